package io.tunnel.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@link TunnelClient#dialSocket} against a scripted proxy on loopback. */
class TunnelClientSocketTest {
    private static final String ESTABLISHED = "HTTP/1.1 200 Connection established\r\n\r\n";

    private FakeProxy proxy;
    private TunnelClient client;

    @AfterEach
    void stop() throws IOException {
        if (client != null) {
            client.close();
        }
        if (proxy != null) {
            proxy.close();
        }
    }

    private TunnelClient client(TunnelClientConfig.Builder builder) throws IOException {
        client = new TunnelClient(builder.build());
        return client;
    }

    private TunnelClient clientFor(FakeProxy p) throws IOException {
        return client(TunnelClientConfig.builder().proxy("127.0.0.1", p.port()));
    }

    @Test
    void sendsConnectAndReturnsASocketRightAfterTheHead() throws Exception {
        proxy = FakeProxy.start((socket, head) -> {
            OutputStream out = socket.getOutputStream();
            out.write((ESTABLISHED + "banner\n").getBytes(StandardCharsets.US_ASCII)); // head and data together
            out.flush();
            socket.getInputStream().transferTo(out);
        });
        try (Socket s = clientFor(proxy).dialSocket("db.internal", 5432)) {
            assertThat(proxy.nextRequest())
                    .isEqualTo("CONNECT db.internal:5432 HTTP/1.1\r\nHost: db.internal:5432\r\n\r\n");
            assertThat(new String(s.getInputStream().readNBytes(7), StandardCharsets.US_ASCII)).isEqualTo("banner\n");
            assertThat(s.getSoTimeout()).as("no idle timeout on the tunnel").isZero();
            s.getOutputStream().write("echo".getBytes(StandardCharsets.US_ASCII));
            s.shutdownOutput();
            assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("echo");
        }
    }

    @Test
    void headSplitIntoSingleBytesIsRead() throws Exception {
        proxy = FakeProxy.start((socket, head) -> {
            socket.setTcpNoDelay(true);
            OutputStream out = socket.getOutputStream();
            for (byte b : (ESTABLISHED + "!").getBytes(StandardCharsets.US_ASCII)) {
                out.write(b);
                out.flush();
            }
        });
        try (Socket s = clientFor(proxy).dialSocket("127.0.0.1", 1)) {
            assertThat(s.getInputStream().readAllBytes()).containsExactly('!');
        }
    }

    @ParameterizedTest
    @CsvSource({
        "HTTP/1.1 502 Bad Gateway, io.tunnel.client.DialRefusedException, 502",
        "HTTP/1.1 503 Service Unavailable, io.tunnel.client.NoAgentException, 503",
        "HTTP/1.1 504 Gateway Timeout, io.tunnel.client.DialTimeoutException, 504",
        "HTTP/1.1 403 Forbidden, io.tunnel.client.ForbiddenException, 403",
        "HTTP/1.1 405 Method Not Allowed, io.tunnel.client.BadProxyResponseException, 405",
    })
    void refusalsAreTypedExceptions(String statusLine, Class<?> type, int status) throws Exception {
        proxy = FakeProxy.answering(statusLine + "\r\nContent-Length: 5\r\nConnection: close\r\n\r\nbody\n");
        assertThatThrownBy(() -> clientFor(proxy).dialSocket("no-such-host.invalid", 80))
                .isInstanceOf(type)
                .hasMessage("proxy answered " + statusLine.substring(9) + " for no-such-host.invalid:80")
                .satisfies(e -> {
                    assertThat(((TunnelException) e).status()).hasValue(status);
                    assertThat(((TunnelException) e).target()).isEqualTo("no-such-host.invalid:80");
                });
    }

    @Test
    void silentProxyHitsTheDialTimeout() throws Exception {
        proxy = FakeProxy.start((socket, head) -> proxy.hold());
        long start = System.nanoTime();
        assertThatThrownBy(() -> client(TunnelClientConfig.builder().proxy("127.0.0.1", proxy.port())
                .dialTimeout(Duration.ofMillis(300))).dialSocket("10.0.0.1", 80))
                .isInstanceOf(DialTimeoutException.class)
                .hasMessage("proxy did not answer CONNECT 10.0.0.1:80 within 300 ms");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void proxyTricklingHeadBytesStillHitsTheDialTimeout() throws Exception {
        proxy = FakeProxy.start((socket, head) -> {
            OutputStream out = socket.getOutputStream();
            out.write("HTTP/1.1 200 OK\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            proxy.hold();
        });
        assertThatThrownBy(() -> client(TunnelClientConfig.builder().proxy("127.0.0.1", proxy.port())
                .dialTimeout(Duration.ofMillis(300))).dialSocket("10.0.0.1", 80))
                .isInstanceOf(DialTimeoutException.class);
    }

    @Test
    void closeBeforeAnswerAndGarbageAreBadResponses() throws Exception {
        proxy = FakeProxy.start((socket, head) -> socket.close());
        assertThatThrownBy(() -> clientFor(proxy).dialSocket("10.0.0.1", 80))
                .isInstanceOf(BadProxyResponseException.class).hasMessageContaining("closed before an answer");
        proxy.close();
        proxy = FakeProxy.answering("220 smtp.example ESMTP\r\n\r\n");
        assertThatThrownBy(() -> clientFor(proxy).dialSocket("10.0.0.1", 80))
                .isInstanceOf(BadProxyResponseException.class).hasMessageContaining("not an HTTP/1.x status line");
    }

    @Test
    void endlessHeadIsABadResponse() throws Exception {
        proxy = FakeProxy.start((socket, head) -> {
            OutputStream out = socket.getOutputStream();
            out.write("HTTP/1.1 200 OK\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(("X: " + "a".repeat(10_000) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            proxy.hold();
        });
        assertThatThrownBy(() -> clientFor(proxy).dialSocket("10.0.0.1", 80))
                .isInstanceOf(BadProxyResponseException.class).hasMessageContaining("longer than 8192 bytes");
    }

    @Test
    void closedProxyPortIsUnreachable() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        assertThatThrownBy(() -> client(TunnelClientConfig.builder().proxy("127.0.0.1", closedPort))
                .dialSocket("10.0.0.1", 80))
                .isInstanceOf(ProxyUnreachableException.class)
                .hasMessageStartingWith("cannot reach proxy 127.0.0.1:" + closedPort)
                .hasCauseInstanceOf(java.net.ConnectException.class);
    }

    @Test
    void unusableTlsFilesFailTheConstructorWithAnIOException() throws Exception {
        java.nio.file.Path empty = java.nio.file.Files.createTempFile("ca", ".crt");
        try {
            assertThatThrownBy(() -> new TunnelClient(TunnelClientConfig.builder().tls(empty).build()))
                    .isInstanceOf(IOException.class).hasMessage("no CA certificate in " + empty);
            assertThatThrownBy(() -> new TunnelClient(TunnelClientConfig.builder()
                    .tls(empty.resolveSibling("missing-" + empty.getFileName())).build()))
                    .isInstanceOf(IOException.class);
        } finally {
            java.nio.file.Files.delete(empty);
        }
    }
}
