package io.tunnel.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CONNECT frontend on a Unix socket ({@code --uds-name}), as kube-apiserver's egress selector uses Konnectivity's:
 * alone or beside the TCP frontend, with its file mode, half-close, the server's refusals, the access log's name for
 * the client, and the socket file's life across a crash.
 */
@ExtendWith(SharedTunnels.Extension.class)
class UnixSocketFrontendIT {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir(cleanup = CleanupMode.ON_SUCCESS) // a failed run keeps the processes' logs
    static Path tmp;
    static TestPki pki;
    /** The Unix socket only, as Konnectivity runs in UDS mode. */
    static TunnelFixture udsOnly;
    static Path udsOnlySocket;
    static HttpDestination http;
    static TcpDestination sink;
    static TcpDestination greeter;

    @BeforeAll
    static void start(SharedTunnels shared) throws Exception {
        pki = shared.pki();
        udsOnlySocket = tmp.resolve("konnectivity-server.socket");
        udsOnly = TunnelFixture.builder(pki, tmp.resolve("logs-uds")).withoutTcpFrontend()
                .serverArgs("--uds-name", udsOnlySocket.toString()).start();
        http = HttpDestination.http();
        sink = TcpDestination.start(TcpDestination.Mode.SINK);
        greeter = TcpDestination.start(TcpDestination.Mode.GREETER);
    }

    @AfterAll
    static void stop() throws Exception {
        try (TunnelFixture a = udsOnly; HttpDestination b = http; TcpDestination c = sink;
             TcpDestination d = greeter) {
            // closed in reverse order; the jars are checked for leaks on close
        }
    }

    private static String get() {
        return "GET / HTTP/1.1\r\nHost: 127.0.0.1:" + http.port() + "\r\nConnection: close\r\n\r\n";
    }

    @Test
    void kubeApiserversDialThroughTheSocketReachesTheDestination() throws Exception {
        int mark = udsOnly.server().mark();
        try (UnixSocketClient client = UnixSocketClient.connect(udsOnlySocket)) {
            String head = client.connectLikeKubeApiserver("127.0.0.1:" + http.port());
            assertThat(head).as("the answer, and nothing after it").isEqualTo(
                    "HTTP/1.1 200 Connection established\r\n\r\n");
            client.write(get());
            assertThat(client.readToEnd()).startsWith("HTTP/1.1 200 ").endsWith(HttpDestination.BODY);
        }
        Map<String, String> line = awaitAccessLine(mark);
        assertThat(line.get("client")).as("a readable client, never an object dump")
                .matches("uds:" + java.util.regex.Pattern.quote(udsOnlySocket.toString()) + "\\(pid="
                        + ProcessHandle.current().pid() + ",uid=\\d+\\)");
        assertThat(line).containsEntry("status", "200").containsEntry("target", "127.0.0.1:" + http.port());
    }

    @Test
    void curlConnectsThroughTheSocket() {
        // curl 7.88 ignores -x with --unix-socket (libcurl: proxy options have no effect on a Unix socket), so it
        // sends the CONNECT itself; the greeter says hello and half-closes, which ends curl's read.
        String target = "127.0.0.1:" + greeter.port();
        Commands.Result r = Commands.run(WAIT, List.of("curl", "-sS", "-i", "--max-time", "20",
                "--unix-socket", udsOnlySocket.toString(), "-X", "CONNECT", "--request-target", target,
                "http://" + target + "/"));
        assertThat(r.exitCode()).as("%s", r).isZero();
        assertThat(r.stdout()).isEqualTo("HTTP/1.1 200 Connection established\r\n\r\n" + TcpDestination.GREETING);
    }

    @Test
    void halfCloseCrossesTheSocket() throws Exception {
        int size = 3 * 1024 * 1024 + 17; // several socket buffers and stream windows
        ByteArrayOutputStream data = new ByteArrayOutputStream(size);
        Pattern.write(data, size);
        try (UnixSocketClient client = UnixSocketClient.connect(udsOnlySocket)) {
            assertThat(client.connectLikeKubeApiserver("127.0.0.1:" + sink.port())).startsWith("HTTP/1.1 200 ");
            client.write(data.toByteArray());
            client.shutdownOutput(); // the sink answers only after the end of its input
            assertThat(Pattern.Digest.parse(client.readToEnd())).isEqualTo(Pattern.Digest.of(size));
        }
    }

    @Test
    void refusalsAreTheSameOverTheSocket() throws Exception {
        int closed = ClientCliRequestIT.closedPort();
        try (UnixSocketClient client = UnixSocketClient.connect(udsOnlySocket)) {
            assertThat(client.connectLikeKubeApiserver("127.0.0.1:" + closed) + client.readToEnd())
                    .startsWith("HTTP/1.1 502 Bad Gateway\r\n").endsWith("the agent could not reach the destination\n");
        }
    }

    @Test
    void theSocketIsTheOwnersOnlyAndTheOnlyFrontend() throws Exception {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(udsOnlySocket,
                LinkOption.NOFOLLOW_LINKS))).isEqualTo("rw-------");
        assertThat(udsOnly.server().output()).contains("frontend on the Unix socket " + udsOnlySocket
                + " (PLAINTEXT, mode 0600)").contains("frontend off (Unix socket only)")
                .doesNotContain("plaintext CONNECT without client authentication");
        assertThat(udsOnly.frontendPort()).isEqualTo(-1);
    }

    @Test
    void besideTheTcpFrontendBothServe() throws Exception {
        Path socket = tmp.resolve("beside.sock");
        try (TunnelFixture both = TunnelFixture.builder(pki, tmp.resolve("logs-both")).plaintextFrontend()
                .serverArgs("--uds-name", socket.toString(), "--uds-mode", "0660").start()) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket, LinkOption.NOFOLLOW_LINKS)))
                    .isEqualTo("rw-rw----");
            try (UnixSocketClient client = UnixSocketClient.connect(socket)) {
                assertThat(client.connectLikeKubeApiserver("127.0.0.1:" + greeter.port())
                        + client.readToEnd()).endsWith(TcpDestination.GREETING);
            }
            try (java.net.Socket tcp = ConnectSocket.open(both.frontendPort(), "127.0.0.1:" + greeter.port())) {
                assertThat(new String(tcp.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
                        .isEqualTo(TcpDestination.GREETING);
            }
            assertThat(both.body(both.healthPort(), "/metrics"))
                    .contains("tunnel_server_open_connections{listener=\"uds\"}")
                    .contains("tunnel_server_connect_requests_total{status=\"200\"} 2.0");
        }
        assertThat(socket).as("removed when the server stopped").doesNotExist();
    }

    /** kill -9 leaves the socket file; a new server refuses it unless told to delete it, as Konnectivity's does. */
    @Test
    void aSocketLeftByAKilledServerIsReplacedOnlyWhenAllowed() throws Exception {
        Path socket = tmp.resolve("crash.sock");
        Path logs = tmp.resolve("logs-crash");
        JavaProcess first = JavaProcess.start("crash-1", Jars.SERVER, logs, serverArgs(socket));
        try {
            first.awaitLog("frontend off \\(Unix socket only\\)", WAIT);
            first.kill();
            assertThat(socket).as("a killed server cannot remove it").exists();

            JavaProcess refused = JavaProcess.start("crash-2", Jars.SERVER, logs, serverArgs(socket));
            assertThat(refused.waitFor()).isEqualTo(1);
            assertThat(refused.output()).contains(socket + " exists (is another server running?): remove it, or start "
                    + "with --delete-existing-uds-file");

            List<String> args = serverArgs(socket);
            args.add("--delete-existing-uds-file");
            try (JavaProcess replacing = JavaProcess.start("crash-3", Jars.SERVER, logs, args)) {
                replacing.awaitLog("frontend off \\(Unix socket only\\)", WAIT);
                assertThat(replacing.output()).contains("deleted the socket file " + socket);
                try (UnixSocketClient client = UnixSocketClient.connect(socket)) {
                    assertThat(client.connectLikeKubeApiserver("127.0.0.1:" + greeter.port()))
                            .as("no agent on this server").startsWith("HTTP/1.1 503 ");
                }
                replacing.stop();
            }
            assertThat(socket).doesNotExist();
        } finally {
            first.close();
        }
    }

    /** A server with only the Unix socket at {@code socket}, no agent, every port chosen by the system. */
    private static List<String> serverArgs(Path socket) {
        return new ArrayList<>(List.of("--uds-name", socket.toString(), "--server-port", "0",
                "--agent-port", "0", "--health-port", "0",
                "--cluster-cert", pki.cert("agent", "proxy-master").toString(),
                "--cluster-key", pki.key("agent", "proxy-master").toString(),
                "--cluster-ca-cert", pki.ca("agent").toString()));
    }

    private static Map<String, String> awaitAccessLine(int mark) {
        Await.until("an access-log line", WAIT, () -> !AccessLines.since(udsOnly.server(), mark).isEmpty());
        return AccessLines.since(udsOnly.server(), mark).get(0);
    }
}
