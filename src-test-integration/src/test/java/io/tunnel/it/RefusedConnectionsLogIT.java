package io.tunnel.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Garbage on the TLS ports, which anyone can send, is counted in {@code /metrics} and logged rate-limited: a first
 * line per cause and interval, then a summary line, never a line per connection, and no access-log line for a
 * frontend connection that never completed TLS.
 */
@ExtendWith(SharedTunnels.Extension.class)
class RefusedConnectionsLogIT {
    private static final int CONNECTIONS = 200;
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir(cleanup = CleanupMode.ON_SUCCESS) // a failed run keeps the processes' logs
    static Path tmp;
    static TunnelFixture tunnel;

    @BeforeAll
    static void start(SharedTunnels shared) throws Exception {
        Jars.requireBuilt();
        tunnel = TunnelFixture.builder(shared.pki(), tmp.resolve("logs")).start();
    }

    @AfterAll
    static void stop() {
        tunnel.close();
    }

    @Test
    void plaintextOnTheTlsPortsIsCountedNotLoggedPerConnection() throws Exception {
        for (int i = 0; i < CONNECTIONS; i++) {
            sendGarbage(tunnel.agentPort());
            sendGarbage(tunnel.frontendPort());
        }
        for (String port : new String[] {"agent", "frontend"}) {
            String sample = "tunnel_server_tls_handshake_failures_total{cause=\"not_tls\",port=\"" + port + "\"} "
                    + CONNECTIONS + ".0";
            Await.until(sample, WAIT, () -> tunnel.body(tunnel.healthPort(), "/metrics").contains(sample));
        }
        JavaProcess server = tunnel.server();
        server.awaitLog("ServerHandshakeHandler - \\d+ more TLS handshake failures \\(not_tls\\) in the last 10 s",
                WAIT);
        server.awaitLog("FrontendTlsHandshakeHandler - \\d+ more TLS handshake failures \\(not_tls\\) in the last 10 s",
                WAIT);
        // One line per port and 10 s interval; the loop above may straddle an interval's end.
        assertThat(server.countLog("agent connection from .* refused: TLS handshake failed: not TLS"))
                .isBetween(1L, 2L);
        assertThat(server.countLog("frontend connection from .* refused: TLS handshake failed: not TLS"))
                .isBetween(1L, 2L);
        assertThat(server.countLog(" access - ")).as("access-log lines").isZero();
        assertThat(server.output()).as("no hex dump of what was sent").doesNotContain("474554");
    }

    /** An HTTP request where a TLS ClientHello belongs; reads until the server closes. */
    private static void sendGarbage(int port) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout((int) WAIT.toMillis());
            socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            try {
                while (in.read() >= 0) {
                    // a TLS alert, perhaps
                }
            } catch (IOException e) {
                // a reset is a close too
            }
        }
    }
}
