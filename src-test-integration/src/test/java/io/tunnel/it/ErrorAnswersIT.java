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
import org.junit.jupiter.api.io.TempDir;

/**
 * Every refusal is a constant answer, then the socket closes; nothing the client sent is echoed or interpreted. Most
 * tests use the shared plaintext tunnel; those that need other flags start a server of their own.
 */
@ExtendWith(SharedTunnels.Extension.class)
class ErrorAnswersIT {
    @TempDir
    static Path tmp;
    static TestPki pki;
    static TunnelFixture tunnel;
    /** A server without agent, and with a short header timeout. */
    static TunnelFixture lonely;
    static TcpDestination echo;

    @BeforeAll
    static void start(SharedTunnels shared) throws Exception {
        pki = shared.pki();
        tunnel = shared.plain();
        lonely = TunnelFixture.builder(pki, tmp.resolve("logs-lonely")).plaintextFrontend()
                .serverArgs("--header-timeout", "2s").withoutAgent().start();
        echo = TcpDestination.start(TcpDestination.Mode.ECHO);
    }

    @AfterAll
    static void stop() throws Exception {
        try (TunnelFixture t = lonely; TcpDestination e = echo) {
            // closed in reverse order
        }
    }

    /** Sends {@code request} raw and returns everything the server answers until it closes the socket. */
    private static String exchange(int port, String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(20_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1); // ends only when the server closes
        }
    }

    private static String connect(String target) throws IOException {
        return exchange(tunnel.frontendPort(), "CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n\r\n");
    }

    @Test
    void closedPortIs502() throws Exception {
        int closed;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        int mark = tunnel.server().mark();
        assertThat(connect("127.0.0.1:" + closed)).startsWith("HTTP/1.1 502 Bad Gateway\r\n");
        tunnel.server().awaitLogSince(mark, "target=127\\.0\\.0\\.1:" + closed
                + " .*status=502 end=\"CONNECTION_REFUSED", Duration.ofSeconds(5));
    }

    @Test
    void unresolvableNameIs502() throws Exception {
        int mark = tunnel.server().mark();
        assertThat(connect("no-such-host.invalid:80")).startsWith("HTTP/1.1 502 Bad Gateway\r\n");
        tunnel.server().awaitLogSince(mark, "target=no-such-host\\.invalid:80 .*status=502 end=\"DNS_FAILURE",
                Duration.ofSeconds(5));
    }

    @Test
    void otherMethodIs405WithoutEcho() throws Exception {
        // origin-form: neither a CONNECT nor an absolute-form request the proxy forwards
        String answer = exchange(tunnel.frontendPort(), "GET /secret-target HTTP/1.1\r\n"
                + "Host: secret-target.example\r\n\r\n");
        assertThat(answer).startsWith("HTTP/1.1 405 Method Not Allowed\r\n").contains("Allow: CONNECT")
                .doesNotContain("secret-target");
    }

    @Test
    void garbageIs400() throws Exception {
        assertThat(exchange(tunnel.frontendPort(), "\u0016\u0003\u0001garbage that is no request\r\n\r\n"))
                .startsWith("HTTP/1.1 400 Bad Request\r\n").doesNotContain("garbage");
    }

    @Test
    void targetWithoutPortOrBadPortIs400() throws Exception {
        assertThat(connect("example.com")).startsWith("HTTP/1.1 400 ");
        assertThat(connect("example.com:0")).startsWith("HTTP/1.1 400 ");
        assertThat(connect("example.com:65536")).startsWith("HTTP/1.1 400 ");
        assertThat(connect("http://example.com:80")).startsWith("HTTP/1.1 400 ");
    }

    @Test
    void connectWithBodyHeaderIs400() throws Exception {
        String target = "127.0.0.1:" + echo.port();
        assertThat(exchange(tunnel.frontendPort(), "CONNECT " + target + " HTTP/1.1\r\nContent-Length: 5\r\n\r\n"
                + "hello")).startsWith("HTTP/1.1 400 ");
    }

    @Test
    void tooManyHeadersIs431() throws Exception {
        StringBuilder request = new StringBuilder("CONNECT 127.0.0.1:" + echo.port() + " HTTP/1.1\r\n");
        for (int i = 0; i < 101; i++) {
            request.append("X-H").append(i).append(": v\r\n");
        }
        assertThat(exchange(tunnel.frontendPort(), request + "\r\n")).startsWith("HTTP/1.1 431 ");
    }

    @Test
    void slowlorisIs408WithinTheHeaderTimeout() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", lonely.frontendPort())) {
            socket.setSoTimeout(10_000);
            long start = System.nanoTime();
            socket.getOutputStream().write("CONNECT 127.0.0.1:1 HTTP/1.1\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertThat(answer).startsWith("HTTP/1.1 408 Request Timeout\r\n");
            assertThat(millis).as("answered after the 2 s header timeout, well before the 10 s read timeout")
                    .isBetween(1_500L, 8_000L);
        }
    }

    /** Bytes pipelined behind a refused request are never interpreted as a second request. */
    @Test
    void bytesAfterRefusalAreNotInterpreted() throws Exception {
        String answer = exchange(tunnel.frontendPort(), "GET / HTTP/1.1\r\n\r\nCONNECT 127.0.0.1:" + echo.port()
                + " HTTP/1.1\r\n\r\nhello");
        assertThat(answer).startsWith("HTTP/1.1 405 ").doesNotContain("200").doesNotContain("hello");
    }

    @Test
    void noAgentIs503AndReadyzSays503() throws Exception {
        lonely.awaitReady(false);
        String answer = exchange(lonely.frontendPort(), "CONNECT 127.0.0.1:" + echo.port() + " HTTP/1.1\r\n\r\n");
        assertThat(answer).startsWith("HTTP/1.1 503 Service Unavailable\r\n");
        assertThat(lonely.status(lonely.healthPort(), "/healthz")).isEqualTo(200);
    }

    /** Streams above the limit are refused with 503, not queued; those within it carry on. */
    @Test
    void streamsAboveTheLimitAre503() throws Exception {
        try (TunnelFixture limited = TunnelFixture.builder(pki, tmp.resolve("logs-limited")).plaintextFrontend()
                .serverArgs("--max-streams-per-agent", "2").start();
             Socket first = ConnectSocket.open(limited.frontendPort(), "127.0.0.1:" + echo.port());
             Socket second = ConnectSocket.open(limited.frontendPort(), "127.0.0.1:" + echo.port())) {
            String third = exchange(limited.frontendPort(), "CONNECT 127.0.0.1:" + echo.port() + " HTTP/1.1\r\n\r\n");
            assertThat(third).startsWith("HTTP/1.1 503 ");
            limited.server().awaitLog("status=503 end=\"streams per agent limit reached", Duration.ofSeconds(5));
            first.getOutputStream().write('x');
            assertThat(first.getInputStream().read()).isEqualTo('x');
        }
    }

    /** The agent's own limit answers TOO_MANY_STREAMS, which the client sees as 503. */
    @Test
    void agentStreamLimitIs503() throws Exception {
        try (TunnelFixture limited = TunnelFixture.builder(pki, tmp.resolve("logs-agent-limited")).plaintextFrontend()
                .serverArgs("--max-streams-per-agent", "100").agentArgs("--max-streams", "1").start();
             Socket first = ConnectSocket.open(limited.frontendPort(), "127.0.0.1:" + echo.port())) {
            String second = exchange(limited.frontendPort(), "CONNECT 127.0.0.1:" + echo.port() + " HTTP/1.1\r\n\r\n");
            assertThat(second).startsWith("HTTP/1.1 503 ");
            first.getOutputStream().write('y');
            assertThat(first.getInputStream().read()).isEqualTo('y');
        }
    }

    /** A failed stream leaves the others on the same agent untouched. */
    @Test
    void failuresDoNotDisturbAnOpenStream() throws Exception {
        try (Socket open = ConnectSocket.open(tunnel.frontendPort(), "127.0.0.1:" + echo.port())) {
            connect("no-such-host.invalid:80");
            connect("127.0.0.1:1");
            exchange(tunnel.frontendPort(), "garbage\r\n\r\n");
            open.getOutputStream().write("still here".getBytes(StandardCharsets.US_ASCII));
            open.shutdownOutput();
            assertThat(new String(open.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
                    .isEqualTo("still here");
        }
    }
}
