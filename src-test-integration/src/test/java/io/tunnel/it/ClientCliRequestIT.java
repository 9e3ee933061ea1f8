package io.tunnel.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code tunnel-client request} as a process against the real server and agent: the page on stdout, and each failure
 * as one line on stderr with its documented exit code (see tunnel-client/README.md).
 */
@ExtendWith(SharedTunnels.Extension.class)
class ClientCliRequestIT {
    private static final Duration CMD = Duration.ofSeconds(60);
    private static final String NOT_FOUND = "no such page\n";

    static TestPki pki;
    static TunnelFixture mtls;
    static TunnelFixture plain;
    static HttpDestination http;
    static HttpServer missing;

    @BeforeAll
    static void start(SharedTunnels shared) throws Exception {
        pki = shared.pki();
        http = HttpDestination.http();
        missing = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        missing.createContext("/", exchange -> {
            try (exchange) {
                byte[] body = NOT_FOUND.getBytes(StandardCharsets.US_ASCII);
                exchange.sendResponseHeaders(404, body.length);
                exchange.getResponseBody().write(body);
            }
        });
        missing.start();
        mtls = shared.mtls();
        plain = shared.plain();
    }

    @AfterAll
    static void stop() {
        try (HttpDestination c = http) {
            if (missing != null) {
                missing.stop(0);
            }
        }
    }

    private static List<String> mtlsFlags() {
        return List.of("--proxy-host", "localhost", "--proxy-port", Integer.toString(mtls.frontendPort()),
                "--ca-cert", pki.ca("master").toString(),
                "--client-cert", pki.cert("master", "proxy-client").toString(),
                "--client-key", pki.key("master", "proxy-client").toString());
    }

    private static List<String> plainFlags() {
        return List.of("--proxy-host", "127.0.0.1", "--proxy-port", Integer.toString(plain.frontendPort()));
    }

    private static Commands.Result request(List<String> proxyFlags, String... args) {
        List<String> all = new ArrayList<>(List.of("request"));
        all.addAll(proxyFlags);
        all.addAll(List.of(args));
        return Commands.java(CMD, Jars.CLIENT, all.toArray(String[]::new));
    }

    @Test
    void printsThePageThroughMutualTls() {
        Commands.Result r = request(mtlsFlags(), "--request-host", "127.0.0.1",
                "--request-port", Integer.toString(http.port()));
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).isEqualTo(HttpDestination.BODY);
        assertThat(r.stderr()).isEmpty();
    }

    @Test
    void printsThePageThroughPlaintext() {
        Commands.Result r = request(plainFlags(), "--request-host", "127.0.0.1",
                "--request-port", Integer.toString(http.port()), "--request-path", "/");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).isEqualTo(HttpDestination.BODY);
    }

    @Test
    void largeBodyArrivesIntact() {
        long n = 10L * 1024 * 1024;
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", Jars.CLIENT.toString(),
                "request"));
        command.addAll(mtlsFlags());
        command.addAll(List.of("--request-host", "127.0.0.1", "--request-port", Integer.toString(http.port()),
                "--request-path", "/bytes?n=" + n));
        Commands.Result r = Commands.run(CMD, List.of("bash", "-c",
                "set -o pipefail; '" + String.join("' '", command) + "' | sha256sum"));
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).startsWith(Pattern.sha256(n));
    }

    @Test
    void nonSuccessStatusPrintsTheBodyAndExits1() {
        Commands.Result r = request(plainFlags(), "--request-host", "127.0.0.1",
                "--request-port", Integer.toString(missing.getAddress().getPort()), "--request-path", "/missing");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.stdout()).isEqualTo(NOT_FOUND);
        assertThat(r.stderr()).isEqualTo("tunnel-client: server answered 404\n");
    }

    @Test
    void refusedDialIsOneLineAndExit4() throws IOException {
        int closed = closedPort();
        Commands.Result r = request(mtlsFlags(), "--request-host", "127.0.0.1",
                "--request-port", Integer.toString(closed));
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(4);
        assertThat(r.stderr()).isEqualTo("tunnel-client: proxy answered 502 Bad Gateway for 127.0.0.1:" + closed
                + "\n");
        assertThat(r.stdout()).isEmpty();
    }

    @Test
    void unresolvableDestinationIsARefusedDial() {
        Commands.Result r = request(plainFlags(), "--request-host", "no-such-host.invalid");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(4);
        assertThat(r.stderr()).isEqualTo("tunnel-client: proxy answered 502 Bad Gateway for no-such-host.invalid:80\n");
    }

    @Test
    void unreachableProxyIsOneLineAndExit3() throws IOException {
        int closed = closedPort();
        Commands.Result r = Commands.java(CMD, Jars.CLIENT, "request", "--proxy-port", Integer.toString(closed),
                "--request-host", "127.0.0.1", "--request-port", Integer.toString(http.port()));
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(3);
        assertThat(r.stderr()).isEqualTo("tunnel-client: cannot reach proxy 127.0.0.1:" + closed
                + ": Connection refused\n");
    }

    @Test
    void badFlagIsOneLineThenAHintAndExit2() {
        Commands.Result r = Commands.java(CMD, Jars.CLIENT, "request", "--request-host", "x", "--bogus");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.stderr().lines().findFirst()).hasValue("tunnel-client: unknown flag --bogus");
        assertThat(r.stderr()).isEqualTo("tunnel-client: unknown flag --bogus\nRun with --help for usage.\n");
        assertThat(r.stdout()).isEmpty();
    }

    @Test
    void missingCommandAndMissingFlagAreUsageErrors() {
        Commands.Result none = Commands.java(CMD, Jars.CLIENT);
        assertThat(none.exitCode()).as(none.toString()).isEqualTo(2);
        assertThat(none.stderr().lines().findFirst()).hasValue("tunnel-client: missing command: request or forward");
        Commands.Result noHost = Commands.java(CMD, Jars.CLIENT, "request");
        assertThat(noHost.exitCode()).as(noHost.toString()).isEqualTo(2);
        assertThat(noHost.stderr().lines().findFirst().orElseThrow()).startsWith("tunnel-client: ")
                .contains("--request-host");
        Commands.Result halfTls = Commands.java(CMD, Jars.CLIENT, "request", "--request-host", "x",
                "--client-cert", "c.crt");
        assertThat(halfTls.exitCode()).as(halfTls.toString()).isEqualTo(2);
        assertThat(halfTls.stderr()).startsWith("tunnel-client request: --client-cert and --client-key go together\n");
    }

    @Test
    void helpExits0() {
        Commands.Result r = Commands.java(CMD, Jars.CLIENT, "--help");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).as("the commands").contains("request", "forward", "COMMAND --help");
        Commands.Result request = Commands.java(CMD, Jars.CLIENT, "request", "--help");
        assertThat(request.exitCode()).as(request.toString()).isZero();
        assertThat(request.stdout()).contains("Usage: tunnel-client request [flags]", "--proxy-host",
                "--dial-timeout <duration>");
        Commands.Result sub = Commands.java(CMD, Jars.CLIENT, "forward", "--help");
        assertThat(sub.exitCode()).as(sub.toString()).isZero();
        assertThat(sub.stdout()).contains("Usage: tunnel-client forward [flags]", "--listen", "--target");
    }

    static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
