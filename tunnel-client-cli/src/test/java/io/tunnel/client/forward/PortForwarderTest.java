package io.tunnel.client.forward;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunnel.client.FakeProxy;
import io.tunnel.client.TunnelClientConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link PortForwarder} with a scripted proxy on loopback standing in for the tunnel. */
class PortForwarderTest {
    private static final String ESTABLISHED = "HTTP/1.1 200 Connection established\r\n\r\n";
    private static final int TIMEOUT_MILLIS = 20_000;

    private FakeProxy proxy;
    private PortForwarder forwarder;

    @AfterEach
    void stop() throws IOException {
        if (forwarder != null) {
            forwarder.close();
        }
        if (proxy != null) {
            proxy.close();
        }
    }

    private int startForward() throws Exception {
        forwarder = new PortForwarder(new ForwardConfig(new InetSocketAddress("127.0.0.1", 0), "db.internal", 5432,
                TunnelClientConfig.builder().proxy("127.0.0.1", proxy.port()).build())).start();
        return forwarder.localAddress().getPort();
    }

    private static Socket connect(int port) throws IOException {
        Socket socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(TIMEOUT_MILLIS);
        return socket;
    }

    @Test
    void relaysBothWaysAndCarriesHalfClose() throws Exception {
        proxy = FakeProxy.answering(ESTABLISHED); // then echoes until our EOF, and closes
        int port = startForward();
        try (Socket socket = connect(port)) {
            socket.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
            socket.shutdownOutput();
            assertThat(new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
                    .isEqualTo("ping");
        }
        assertThat(proxy.nextRequest()).startsWith("CONNECT db.internal:5432 HTTP/1.1\r\n");
    }

    @Test
    void bytesRightBehindTheProxyAnswerReachTheLocalClient() throws Exception {
        proxy = FakeProxy.start((socket, head) -> {
            socket.getOutputStream().write((ESTABLISHED + "SSH-2.0-banner\r\n").getBytes(StandardCharsets.US_ASCII));
            socket.shutdownOutput();
            socket.getInputStream().transferTo(OutputStream.nullOutputStream());
        });
        try (Socket socket = connect(startForward())) {
            assertThat(new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
                    .isEqualTo("SSH-2.0-banner\r\n");
        }
    }

    @Test
    void bulkEchoWithBackpressureArrivesIntact() throws Exception {
        proxy = FakeProxy.answering(ESTABLISHED);
        long size = 64L * 1024 * 1024;
        try (Socket socket = connect(startForward())) {
            CompletableFuture<byte[]> sent = CompletableFuture.supplyAsync(() -> {
                try {
                    MessageDigest digest = MessageDigest.getInstance("SHA-256");
                    byte[] block = new byte[64 * 1024];
                    OutputStream out = socket.getOutputStream();
                    for (long done = 0; done < size; done += block.length) {
                        Arrays.fill(block, (byte) done);
                        digest.update(block);
                        out.write(block);
                    }
                    socket.shutdownOutput();
                    return digest.digest();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            InputStream in = socket.getInputStream();
            byte[] buf = new byte[64 * 1024];
            long received = 0;
            int n;
            while ((n = in.read(buf)) >= 0) {
                digest.update(buf, 0, n);
                received += n;
            }
            assertThat(received).isEqualTo(size);
            assertThat(digest.digest()).isEqualTo(sent.get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS));
        }
    }

    @Test
    void refusedDialClosesTheLocalConnection() throws Exception {
        proxy = FakeProxy.answering("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        try (Socket socket = connect(startForward())) {
            assertThat(socket.getInputStream().read()).isEqualTo(-1);
        }
    }

    /** A close during the dial cannot be told from a half-close: it is carried once the tunnel opens. */
    @Test
    void localCloseWhileDialingIsCarriedOnceTheTunnelOpens() throws Exception {
        java.util.concurrent.CountDownLatch clientClosed = new java.util.concurrent.CountDownLatch(1);
        CompletableFuture<String> proxySaw = new CompletableFuture<>();
        proxy = FakeProxy.start((socket, head) -> {
            clientClosed.await(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
            socket.getOutputStream().write(ESTABLISHED.getBytes(StandardCharsets.US_ASCII));
            proxySaw.complete(new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
        });
        try (Socket socket = connect(startForward())) {
            socket.getOutputStream().write("last words".getBytes(StandardCharsets.US_ASCII));
            proxy.nextRequest();
        }
        clientClosed.countDown();
        assertThat(proxySaw.get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)).isEqualTo("last words");
    }
}
