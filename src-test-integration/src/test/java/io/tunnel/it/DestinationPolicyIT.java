package io.tunnel.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's destination policy, judged on resolved addresses: a refused destination is answered 403 and logged
 * on both sides; what is allowed still works. Loopback addresses only (127.0.0.0/8 all reach this machine); the
 * link-local default is tested on the policy class, without sockets.
 */
@ExtendWith(SharedTunnels.Extension.class)
class DestinationPolicyIT {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    static Path tmp;
    static TunnelFixture policed;
    static TunnelFixture shared;
    static TcpDestination echo;

    @BeforeAll
    static void start(SharedTunnels tunnels) throws Exception {
        shared = tunnels.plain();
        policed = TunnelFixture.builder(tunnels.pki(), tmp.resolve("logs")).plaintextFrontend()
                .agentArgs("--allow-destinations", "127.0.0.0/30", "--deny-destinations", "127.0.0.2/32")
                .start();
        echo = TcpDestination.start(TcpDestination.Mode.ECHO, InetAddress.getByName("0.0.0.0"));
    }

    @AfterAll
    static void stop() throws Exception {
        try (TunnelFixture t = policed; TcpDestination e = echo) {
            // closed in reverse order
        }
    }

    /** CONNECTs to {@code target} and returns the status line; on 200 checks that the echo answers. */
    private static String connect(TunnelFixture tunnel, String target) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", tunnel.frontendPort())) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            out.write(("CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    break;
                }
                head.append((char) b);
            }
            String status = head.toString().lines().findFirst().orElse("");
            if (status.startsWith("HTTP/1.1 200")) {
                out.write("ping\n".getBytes(StandardCharsets.US_ASCII));
                byte[] answer = in.readNBytes(5);
                assertThat(new String(answer, StandardCharsets.US_ASCII)).isEqualTo("ping\n");
            }
            return status;
        }
    }

    @Test
    void anAllowedDestinationIsReached() throws IOException {
        assertThat(connect(policed, "127.0.0.1:" + echo.port())).startsWith("HTTP/1.1 200");
    }

    @Test
    void aDeniedDestinationIsAnswered403AndLoggedOnBothSides() throws IOException {
        int serverMark = policed.server().mark();
        int agentMark = policed.agent().mark();
        assertThat(connect(policed, "127.0.0.2:" + echo.port())).isEqualTo("HTTP/1.1 403 Forbidden");

        policed.server().awaitLogSince(serverMark, "target=127\\.0\\.0\\.2:" + echo.port()
                + " .*status=403 end=\"POLICY_DENIED", WAIT);
        policed.agent().awaitLogSince(agentMark, "target=127\\.0\\.0\\.2:" + echo.port()
                + " opened=false end=\"POLICY_DENIED \\(destination 127\\.0\\.0\\.2:\\d+ not allowed: denied by "
                + "127\\.0\\.0\\.2/32\\)\"", WAIT);
    }

    @Test
    void aNameIsJudgedByTheAddressItResolvesTo() throws IOException {
        assertThat(connect(policed, "localhost:" + echo.port())).as("localhost is 127.0.0.1 here")
                .startsWith("HTTP/1.1 200");
        assertThat(connect(policed, "127.0.0.5:" + echo.port())).as("outside the allowed network")
                .isEqualTo("HTTP/1.1 403 Forbidden");
    }

    @Test
    void theAgentsOwnHealthPortIsDeniedByDefault() throws IOException {
        int agentMark = shared.agent().mark();
        assertThat(connect(shared, "127.0.0.1:" + shared.agentHealthPort())).isEqualTo("HTTP/1.1 403 Forbidden");
        shared.agent().awaitLogSince(agentMark, "not allowed: the agent's own health port", WAIT);
    }
}
