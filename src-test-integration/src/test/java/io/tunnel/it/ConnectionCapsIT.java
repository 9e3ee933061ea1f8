package io.tunnel.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The frontend under a crowd that does nothing: thousands of idle TCP connections and a thousand stuck inside their
 * TLS handshake. A real client still gets through at once, the server's memory stays bounded, the stuck connections
 * are closed at their timeout, and a connection above a cap is closed at once and counted.
 */
@ExtendWith(SharedTunnels.Extension.class)
class ConnectionCapsIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int IDLE = 5_000;
    private static final int STALLED = 1_000;
    /** The stalled connections' handshake timeout, long enough to hold them all while the client is measured. */
    private static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(20);
    /** A TLS handshake record header announcing 512 bytes, and the first few of them: the record never completes. */
    private static final byte[] PARTIAL_CLIENT_HELLO = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc};

    @TempDir(cleanup = CleanupMode.ON_SUCCESS) // a failed run keeps the processes' logs
    static Path tmp;
    static TestPki pki;
    static TunnelFixture tunnel;
    static HttpDestination http;

    @BeforeAll
    static void start(SharedTunnels shared) throws Exception {
        pki = shared.pki();
        tunnel = TunnelFixture.builder(pki, tmp.resolve("logs"))
                .serverArgs("--frontend-handshake-timeout", HANDSHAKE_TIMEOUT.toSeconds() + "s",
                        "--header-timeout", "30s")
                .start();
        http = HttpDestination.http();
    }

    @AfterAll
    static void stop() {
        try (TunnelFixture t = tunnel; HttpDestination h = http) {
            // closed in reverse order
        }
    }

    /** curl through the tunnel; stdout is the body, then a line with curl's own total time in seconds. */
    private static Commands.Result curlThroughMtls() {
        return Commands.run(WAIT, List.of("curl", "-sS", "--max-time", "20", "-p", "-w", "\n%{time_total}",
                "--proxy-cacert", pki.ca("master").toString(),
                "--proxy-cert", pki.cert("master", "proxy-client").toString(),
                "--proxy-key", pki.key("master", "proxy-client").toString(),
                "-x", tunnel.proxyUrl(), "http://127.0.0.1:" + http.port() + "/"));
    }

    private static void closeAll(List<Socket> sockets) {
        for (Socket socket : sockets) {
            try {
                socket.close();
            } catch (IOException e) {
                // closing
            }
        }
    }

    /** Whether the server closed {@code socket} (end of stream or reset) within {@code timeout}. */
    private static boolean closedByServer(Socket socket, Duration timeout) throws IOException {
        socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
        try {
            InputStream in = socket.getInputStream();
            return in.read() == -1;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    @Test
    void aRealClientGetsThroughACrowdOfIdleAndStalledConnections() throws Exception {
        List<Socket> idle = new ArrayList<>(IDLE);
        List<Socket> stalled = new ArrayList<>(STALLED);
        try {
            for (int i = 0; i < IDLE; i++) {
                idle.add(new Socket(InetAddress.getLoopbackAddress(), tunnel.frontendPort()));
            }
            long stallStart = System.nanoTime();
            for (int i = 0; i < STALLED; i++) {
                Socket socket = new Socket(InetAddress.getLoopbackAddress(), tunnel.frontendPort());
                socket.getOutputStream().write(PARTIAL_CLIENT_HELLO);
                stalled.add(socket);
            }
            Await.until("every connection accepted", WAIT, () -> tunnel.body(tunnel.healthPort(), "/metrics")
                    .contains("tunnel_server_open_connections{listener=\"frontend\"} " + (IDLE + STALLED) + ".0"));

            Commands.Result r = curlThroughMtls();
            assertThat(r.exitCode()).as("%s", r).isZero();
            String out = r.stdout();
            int timing = out.lastIndexOf('\n');
            assertThat(out.substring(0, timing)).isEqualTo(HttpDestination.BODY);
            // curl's time from its start of the connection to the end of the transfer: TLS to the proxy, CONNECT, GET
            long millis = Math.round(Double.parseDouble(out.substring(timing + 1).trim()) * 1000);
            long rss = Rss.mebibytes(tunnel.server().pid());
            System.out.printf("ConnectionCapsIT: with %d idle and %d stalled connections open, curl through the "
                    + "tunnel took %d ms; server RSS %d MiB%n", IDLE, STALLED, millis, rss);
            assertThat(millis).as("a CONNECT and a GET through the crowd").isLessThan(1_000);
            assertThat(rss).as("the server's resident memory, MiB").isLessThan(512);

            Duration left = HANDSHAKE_TIMEOUT.minusNanos(System.nanoTime() - stallStart).plusSeconds(10);
            long deadline = System.nanoTime() + left.toNanos();
            for (Socket socket : stalled) {
                Duration remaining = Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime()));
                assertThat(closedByServer(socket, remaining)).as("a stalled handshake closed by its timeout").isTrue();
            }
            for (Socket socket : idle) {
                Duration remaining = Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime()));
                assertThat(closedByServer(socket, remaining)).as("an idle connection closed by its timeout").isTrue();
            }
        } finally {
            closeAll(stalled);
            closeAll(idle);
        }
        tunnel.assertRunning();
    }

    @Test
    void aConnectionAboveTheCapPerAddressIsClosedAtOnceAndCounted() throws Exception {
        int cap = 10;
        List<Socket> held = new ArrayList<>();
        try (TunnelFixture capped = TunnelFixture.builder(pki, tmp.resolve("logs-capped")).plaintextFrontend()
                .serverArgs("--max-frontend-connections-per-ip", Integer.toString(cap)).withoutAgent().start()) {
            for (int i = 0; i < cap; i++) {
                held.add(new Socket(InetAddress.getLoopbackAddress(), capped.frontendPort()));
            }
            Await.until("the cap reached", WAIT, () -> capped.body(capped.healthPort(), "/metrics")
                    .contains("tunnel_server_open_connections{listener=\"frontend\"} " + cap + ".0"));
            try (Socket over = new Socket(InetAddress.getLoopbackAddress(), capped.frontendPort())) {
                over.setSoTimeout((int) WAIT.toMillis());
                String answer = new String(over.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
                assertThat(answer).startsWith("HTTP/1.1 503 ");
            }
            assertThat(capped.body(capped.healthPort(), "/metrics"))
                    .containsPattern("tunnel_server_connections_refused_total\\{listener=\"frontend\",reason=\"[^\"]+\"} 1.0");
            assertThat(closedByServer(held.get(0), Duration.ofMillis(200))).as("those under the cap stay").isFalse();
        } finally {
            closeAll(held);
        }
    }
}
