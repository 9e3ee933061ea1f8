package io.tunnel.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tunnel-client forward} as a process: curl and iperf3 through the local port, half-close, the
 * per-connection log line, and its failures.
 */
@ExtendWith(SharedTunnels.Extension.class)
class ClientCliForwardIT {
    private static final Duration CMD = Duration.ofSeconds(60);
    private static final String FORWARDING = "forwarding 127\\.0\\.0\\.1:(\\d+) -> ";

    @TempDir
    static Path tmp;
    static TestPki pki;
    static TunnelFixture mtls;
    static TunnelFixture plain;
    static HttpDestination http;
    static TcpDestination sink;
    private static int forwards;

    @BeforeAll
    static void start(SharedTunnels shared) throws Exception {
        pki = shared.pki();
        http = HttpDestination.http();
        sink = TcpDestination.start(TcpDestination.Mode.SINK);
        mtls = shared.mtls();
        plain = shared.plain();
    }

    @AfterAll
    static void stop() throws Exception {
        try (HttpDestination c = http; TcpDestination d = sink) {
            // closed in reverse order
        }
    }

    /** A running forward and the local port it chose. */
    private record Forward(JavaProcess process, int port) implements AutoCloseable {
        @Override
        public void close() {
            process.close(); // SIGTERM, then the leak check
        }
    }

    private static Forward forward(boolean tls, String target) throws IOException {
        List<String> args = new ArrayList<>(List.of("forward", "--listen", "127.0.0.1:0", "--target", target));
        if (tls) {
            args.addAll(List.of("--proxy-host", "localhost", "--proxy-port", Integer.toString(mtls.frontendPort()),
                    "--ca-cert", pki.ca("master").toString(),
                    "--client-cert", pki.cert("master", "proxy-client").toString(),
                    "--client-key", pki.key("master", "proxy-client").toString()));
        } else {
            args.addAll(List.of("--proxy-port", Integer.toString(plain.frontendPort())));
        }
        JavaProcess process = JavaProcess.start("forward-" + (++forwards), Jars.CLIENT, tmp.resolve("logs-forward"),
                args);
        try {
            Matcher m = process.awaitLog(FORWARDING + java.util.regex.Pattern.quote(target) + " via proxy ",
                    TunnelFixture.START_TIMEOUT);
            return new Forward(process, Integer.parseInt(m.group(1)));
        } catch (RuntimeException | Error e) {
            process.close();
            throw e;
        }
    }

    private static String httpTarget() {
        return "127.0.0.1:" + http.port();
    }

    @Test
    void curlThroughForwardOverMutualTls() throws Exception {
        try (Forward f = forward(true, httpTarget())) {
            Commands.Result r = Commands.run(CMD, List.of("curl", "-sS", "--max-time", "20",
                    "http://127.0.0.1:" + f.port() + "/"));
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.stdout()).isEqualTo(HttpDestination.BODY);
            f.process().awaitLog("client=127\\.0\\.0\\.1:\\d+ target=" + java.util.regex.Pattern.quote(httpTarget())
                    + " up=\\d+ down=\\d+ duration_ms=\\d+ result=", CMD);
        }
    }

    @Test
    void curlThroughForwardOverPlaintextLogsOneLinePerConnection() throws Exception {
        try (Forward f = forward(false, httpTarget())) {
            for (int i = 0; i < 3; i++) {
                Commands.Result r = Commands.run(CMD, List.of("curl", "-sS", "--max-time", "20",
                        "http://127.0.0.1:" + f.port() + "/"));
                assertThat(r.exitCode()).as(r.toString()).isZero();
                assertThat(r.stdout()).isEqualTo(HttpDestination.BODY);
            }
            String line = "client=127\\.0\\.0\\.1:\\d+ target=127\\.0\\.0\\.1:" + http.port()
                    + " up=\\d+ down=\\d+ duration_ms=\\d+ result=";
            Await.until("3 connection log lines", CMD, () -> f.process().countLog(line) == 3);
            assertThat(f.process().output()).doesNotContain("ERROR", "WARN");
        }
    }

    @Test
    void largeDownloadThroughForwardMatchesChecksum() throws Exception {
        long n = 32L * 1024 * 1024;
        try (Forward f = forward(true, httpTarget())) {
            Commands.Result r = Commands.run(CMD, List.of("bash", "-c", "set -o pipefail; curl -sS --max-time 30 "
                    + "'http://127.0.0.1:" + f.port() + "/bytes?n=" + n + "' | sha256sum"));
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.stdout()).startsWith(Pattern.sha256(n));
        }
    }

    @Test
    void halfCloseCrossesTheForward() throws Exception {
        long n = 8L * 1024 * 1024;
        try (Forward f = forward(false, "127.0.0.1:" + sink.port());
             Socket socket = new Socket("127.0.0.1", f.port())) {
            socket.setSoTimeout(30_000); // bounds the read; closing the socket ends a stuck write
            CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
                try {
                    Pattern.write(socket.getOutputStream(), n);
                    socket.shutdownOutput(); // the sink answers only after the end of its input
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            sent.get(30, TimeUnit.SECONDS);
            assertThat(Pattern.Digest.parse(answer)).isEqualTo(Pattern.Digest.of(n));
            f.process().awaitLog("target=127\\.0\\.0\\.1:" + sink.port() + " up=" + n + " down=\\d+ duration_ms=\\d+ "
                    + "result=ok", CMD);
        }
    }

    @Test
    void iperf3UploadThroughForward() throws Exception {
        iperf(false);
    }

    @Test
    void iperf3ReverseThroughForward() throws Exception {
        iperf(true);
    }

    private static void iperf(boolean reverse) throws Exception {
        Commands.Result version = Commands.run(CMD, List.of("bash", "-c", "command -v iperf3"));
        assertThat(version.exitCode()).as("iperf3 must be installed (apt-get install -y iperf3)").isZero();
        int port = freePort();
        Path log = tmp.resolve("iperf3-server-" + (reverse ? "reverse" : "upload") + ".log");
        Process server = new ProcessBuilder("iperf3", "-s", "-1", "-p", Integer.toString(port), "-B", "127.0.0.1",
                "--forceflush")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try (Forward f = forward(true, "127.0.0.1:" + port)) {
            Await.until("iperf3 server listening", CMD, () -> {
                if (!server.isAlive()) {
                    throw new AssertionError("iperf3 server exited: " + Files.readString(log));
                }
                return Files.exists(log) && Files.readString(log).contains("Server listening");
            });
            List<String> client = new ArrayList<>(List.of("iperf3", "-c", "127.0.0.1", "-p",
                    Integer.toString(f.port()), "-t", "3", "-J"));
            if (reverse) {
                client.add("-R");
            }
            Commands.Result r = Commands.run(CMD, client);
            assertThat(r.exitCode()).as(r.toString()).isZero();
            Matcher received = java.util.regex.Pattern.compile("\"sum_received\":\\s*\\{[^}]*?\"bytes\":\\s*(\\d+)")
                    .matcher(r.stdout());
            assertThat(received.find()).as(r.stdout()).isTrue();
            assertThat(Long.parseLong(received.group(1))).isPositive();
        } finally {
            server.destroy();
            server.waitFor(10, TimeUnit.SECONDS);
            server.destroyForcibly();
        }
    }

    @Test
    void refusedDialClosesTheLocalConnectionAndIsLogged() throws Exception {
        int closed = closedPort();
        try (Forward f = forward(false, "127.0.0.1:" + closed)) {
            Commands.Result r = Commands.run(CMD, List.of("curl", "-sS", "--max-time", "20",
                    "http://127.0.0.1:" + f.port() + "/"));
            assertThat(r.exitCode()).as(r.toString()).isNotZero();
            f.process().awaitLog("target=127\\.0\\.0\\.1:" + closed + " up=0 down=0 duration_ms=\\d+ "
                    + "result=dial failed: proxy answered 502 Bad Gateway for 127\\.0\\.0\\.1:" + closed, CMD);
            assertThat(f.process().isAlive()).isTrue();
        }
    }

    @Test
    void badFlagAndBusyPortFail() throws Exception {
        Commands.Result bad = Commands.java(CMD, Jars.CLIENT, "forward", "--listen", "127.0.0.1", "--target", "x:1");
        assertThat(bad.exitCode()).as(bad.toString()).isEqualTo(2);
        assertThat(bad.stderr().lines().findFirst()).hasValue("tunnel-client: '127.0.0.1' is not host:port");
        try (ServerSocket busy = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Commands.Result r = Commands.java(CMD, Jars.CLIENT, "forward", "--listen",
                    "127.0.0.1:" + busy.getLocalPort(), "--target", "x:1");
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
            assertThat(r.stderr()).startsWith("tunnel-client: cannot listen on ").hasLineCount(1);
        }
    }

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static int freePort() throws IOException {
        return closedPort();
    }
}
