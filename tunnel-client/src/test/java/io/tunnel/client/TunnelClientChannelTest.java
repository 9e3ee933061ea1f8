package io.tunnel.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.Future;
import io.tunnel.core.transport.Transports;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@link TunnelClient#dialChannel} against a scripted proxy on loopback: real sockets, real event loops. */
class TunnelClientChannelTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
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

    private static Channel await(Future<Channel> future) throws Exception {
        assertThat(future.await(WAIT.toMillis())).as("dial completed").isTrue();
        return future.getNow() == null ? rethrow(future) : future.getNow();
    }

    private static Channel rethrow(Future<Channel> future) throws Exception {
        if (future.cause() instanceof Exception e) {
            throw e;
        }
        throw new AssertionError(future.cause());
    }

    private static Collector attach(Channel ch) throws Exception {
        Collector collector = new Collector();
        ch.eventLoop().submit(() -> {
            ch.pipeline().addLast(collector);
            ch.config().setAutoRead(true);
        }).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        return collector;
    }

    @Test
    void sendsConnectWithHostHeader() throws Exception {
        proxy = FakeProxy.answering(ESTABLISHED);
        Channel ch = await(clientFor(proxy).dialChannel("db.internal", 5432));
        assertThat(proxy.nextRequest()).isEqualTo("CONNECT db.internal:5432 HTTP/1.1\r\nHost: db.internal:5432\r\n\r\n");
        ch.close().sync();
    }

    @Test
    void returnsChannelWithAutoReadOffAndOnlyTheHandoverHandler() throws Exception {
        proxy = FakeProxy.answering(ESTABLISHED);
        Channel ch = await(clientFor(proxy).dialChannel("127.0.0.1", 80));
        assertThat(ch.config().isAutoRead()).isFalse();
        assertThat(ch.pipeline().names()).startsWith(ClientPipeline.HANDOVER).hasSize(2); // + Netty's tail
        Collector collector = attach(ch);
        assertThat(ch.pipeline().names()).doesNotContain(ClientPipeline.HANDOVER, ClientPipeline.PROXY_DECODER,
                ClientPipeline.CONNECT_HANDSHAKE);
        ch.writeAndFlush(Unpooled.copiedBuffer("echo me", StandardCharsets.US_ASCII));
        awaitText(collector, "echo me");
        ch.close().sync();
    }

    @Test
    void bytesRightBehindTheAnswerReachTheUserFirst() throws Exception {
        proxy = FakeProxy.start((socket, head) -> {
            OutputStream out = socket.getOutputStream();
            out.write((ESTABLISHED + "banner\n").getBytes(StandardCharsets.US_ASCII)); // one segment
            out.flush();
            socket.getInputStream().transferTo(out);
        });
        Channel ch = await(clientFor(proxy).dialChannel("127.0.0.1", 22));
        Collector collector = attach(ch);
        awaitText(collector, "banner\n");
        ch.writeAndFlush(Unpooled.copiedBuffer("then echo", StandardCharsets.US_ASCII));
        awaitText(collector, "banner\nthen echo");
        ch.close().sync();
    }

    @Test
    void bytesAndCloseBeforeTheFirstReadAreDeliveredInOrder() throws Exception {
        proxy = FakeProxy.start((socket, head) -> {
            socket.getOutputStream().write((ESTABLISHED + "last words").getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            socket.shutdownOutput();
            socket.getInputStream().transferTo(OutputStream.nullOutputStream());
        });
        Channel ch = await(clientFor(proxy).dialChannel("127.0.0.1", 22));
        Collector collector = attach(ch);
        assertThat(collector.awaitEnd(WAIT)).isTrue();
        assertThat(collector.text()).isEqualTo("last words");
        ch.close().sync();
    }

    @Test
    void withHalfClosureTheEndOfInputKeepsTheChannelWritable() throws Exception {
        CountDownLatch received = new CountDownLatch(1);
        StringBuilder got = new StringBuilder();
        proxy = FakeProxy.start((socket, head) -> {
            socket.getOutputStream().write((ESTABLISHED + "question?").getBytes(StandardCharsets.US_ASCII));
            socket.shutdownOutput();
            got.append(new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
            received.countDown();
        });
        Channel ch = await(client(TunnelClientConfig.builder().proxy("127.0.0.1", proxy.port())
                .allowHalfClosure(true)).dialChannel("127.0.0.1", 7));
        Collector collector = attach(ch);
        assertThat(collector.awaitEnd(WAIT)).isTrue();
        assertThat(collector.inputShutdown()).isTrue();
        assertThat(collector.text()).isEqualTo("question?");
        ch.writeAndFlush(Unpooled.copiedBuffer("answer", StandardCharsets.US_ASCII)).sync();
        ((io.netty.channel.socket.DuplexChannel) ch).shutdownOutput().sync();
        assertThat(received.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        assertThat(got.toString()).isEqualTo("answer");
        ch.close().sync();
    }

    /**
     * The target ends its output before the user's first read (AUTO_READ is off then), and the user then uploads
     * more than a socket buffer holds. Regression test for Netty 4.2.18's epoll transport, which drops a channel
     * from epoll when it has no interest left (input shut, not reading, nothing to write) and then fails the next
     * interest change with ENOENT, closing the channel (worked around by Transports' EpollInterestFix).
     */
    @Test
    void halfClosedTunnelStillCarriesALargeUpload() throws Exception {
        int size = 16 * 1024 * 1024;
        CountDownLatch received = new CountDownLatch(1);
        long[] count = new long[1];
        proxy = FakeProxy.start((socket, head) -> {
            socket.getOutputStream().write(ESTABLISHED.getBytes(StandardCharsets.US_ASCII));
            socket.shutdownOutput();
            count[0] = socket.getInputStream().transferTo(OutputStream.nullOutputStream());
            received.countDown();
        });
        Channel ch = await(client(TunnelClientConfig.builder().proxy("127.0.0.1", proxy.port())
                .allowHalfClosure(true)).dialChannel("127.0.0.1", 9));
        Collector collector = attach(ch);
        assertThat(collector.awaitEnd(WAIT)).isTrue();
        assertThat(collector.inputShutdown()).isTrue();
        for (int sent = 0; sent < size; sent += 64 * 1024) {
            ch.write(Unpooled.wrappedBuffer(new byte[64 * 1024]));
        }
        // shutdownOutput() drops what is not written yet: wait until everything before it is.
        ch.writeAndFlush(Unpooled.EMPTY_BUFFER).sync();
        ((io.netty.channel.socket.DuplexChannel) ch).shutdownOutput().sync();
        assertThat(received.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(count[0]).isEqualTo(size);
        ch.close().sync();
    }

    @Test
    void answerArrivingByteByByteIsRead() throws Exception {
        proxy = FakeProxy.start((socket, head) -> {
            OutputStream out = socket.getOutputStream();
            socket.setTcpNoDelay(true);
            for (byte b : (ESTABLISHED + "x").getBytes(StandardCharsets.US_ASCII)) {
                out.write(b);
                out.flush();
            }
            socket.getInputStream().transferTo(out);
        });
        Channel ch = await(clientFor(proxy).dialChannel("127.0.0.1", 1));
        Collector collector = attach(ch);
        awaitText(collector, "x");
        ch.close().sync();
    }

    @ParameterizedTest
    @CsvSource({
        "HTTP/1.1 502 Bad Gateway, io.tunnel.client.DialRefusedException, 502",
        "HTTP/1.1 503 Service Unavailable, io.tunnel.client.NoAgentException, 503",
        "HTTP/1.1 504 Gateway Timeout, io.tunnel.client.DialTimeoutException, 504",
        "HTTP/1.1 403 Forbidden, io.tunnel.client.ForbiddenException, 403",
        "HTTP/1.1 407 Proxy Authentication Required, io.tunnel.client.BadProxyResponseException, 407",
        "HTTP/1.0 400 Bad Request, io.tunnel.client.BadProxyResponseException, 400",
    })
    void refusalsFailTheDialWithTypedExceptions(String statusLine, Class<?> type, int status) throws Exception {
        proxy = FakeProxy.answering(statusLine + "\r\nContent-Length: 5\r\nConnection: close\r\n\r\nbody\n");
        Future<Channel> dial = clientFor(proxy).dialChannel("10.0.0.1", 8080);
        assertThatThrownBy(() -> await(dial)).isInstanceOf(type)
                .hasMessage("proxy answered " + statusLine.substring(9) + " for 10.0.0.1:8080")
                .satisfies(e -> {
                    assertThat(((TunnelException) e).status()).hasValue(status);
                    assertThat(((TunnelException) e).target()).isEqualTo("10.0.0.1:8080");
                });
    }

    @Test
    void proxyThatNeverAnswersHitsTheDialTimeout() throws Exception {
        proxy = FakeProxy.start((socket, head) -> proxy.hold());
        Future<Channel> dial = client(TunnelClientConfig.builder().proxy("127.0.0.1", proxy.port())
                .dialTimeout(Duration.ofMillis(300))).dialChannel("10.0.0.1", 80);
        assertThatThrownBy(() -> await(dial)).isInstanceOf(DialTimeoutException.class)
                .hasMessage("proxy did not answer CONNECT 10.0.0.1:80 within 300 ms")
                .satisfies(e -> assertThat(((TunnelException) e).status()).isEmpty());
    }

    @Test
    void dialTimeoutIsNotAnIdleTimeoutOfTheTunnel() throws Exception {
        proxy = FakeProxy.answering(ESTABLISHED);
        Channel ch = await(client(TunnelClientConfig.builder().proxy("127.0.0.1", proxy.port())
                .dialTimeout(Duration.ofMillis(200))).dialChannel("10.0.0.1", 80));
        Collector collector = attach(ch);
        // Wait well past the dial timeout without sending anything: the tunnel stays open.
        assertThat(collector.awaitEnd(Duration.ofMillis(600))).isFalse();
        assertThat(ch.isActive()).isTrue();
        ch.close().sync();
    }

    @Test
    void proxyClosingWithoutAnswerIsABadResponse() throws Exception {
        proxy = FakeProxy.start((socket, head) -> socket.close());
        Future<Channel> dial = clientFor(proxy).dialChannel("10.0.0.1", 80);
        assertThatThrownBy(() -> await(dial)).isInstanceOf(BadProxyResponseException.class)
                .hasMessageContaining("closed before an answer");
    }

    @Test
    void garbageAnswerIsABadResponse() throws Exception {
        proxy = FakeProxy.answering("SSH-2.0-OpenSSH_9.2\r\n\r\n");
        Future<Channel> dial = clientFor(proxy).dialChannel("10.0.0.1", 80);
        assertThatThrownBy(() -> await(dial)).isInstanceOf(BadProxyResponseException.class)
                .hasMessageContaining("not an HTTP/1.x status line")
                .satisfies(e -> assertThat(((TunnelException) e).status()).isEmpty());
    }

    @Test
    void endlessHeadIsABadResponse() throws Exception {
        proxy = FakeProxy.start((socket, head) -> {
            OutputStream out = socket.getOutputStream();
            out.write("HTTP/1.1 200 OK\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] line = ("X-Filler: " + "a".repeat(1000) + "\r\n").getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < 20; i++) {
                out.write(line);
            }
            out.flush();
            proxy.hold();
        });
        Future<Channel> dial = clientFor(proxy).dialChannel("10.0.0.1", 80);
        assertThatThrownBy(() -> await(dial)).isInstanceOf(BadProxyResponseException.class)
                .hasMessageContaining("longer than 8192 bytes");
    }

    @Test
    void closedProxyPortIsUnreachable() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        Future<Channel> dial = client(TunnelClientConfig.builder().proxy("127.0.0.1", closedPort))
                .dialChannel("10.0.0.1", 80);
        assertThatThrownBy(() -> await(dial)).isInstanceOf(ProxyUnreachableException.class)
                .hasMessageStartingWith("cannot reach proxy 127.0.0.1:" + closedPort)
                .satisfies(e -> assertThat(((ProxyUnreachableException) e).proxy())
                        .isEqualTo("127.0.0.1:" + closedPort));
    }

    @Test
    void unresolvableProxyHostIsUnreachable() throws Exception {
        Future<Channel> dial = client(TunnelClientConfig.builder().proxy("no-such-host.invalid", 8090))
                .dialChannel("10.0.0.1", 80);
        assertThatThrownBy(() -> await(dial)).isInstanceOf(ProxyUnreachableException.class)
                .hasMessageContaining("cannot resolve proxy host no-such-host.invalid");
    }

    @Test
    void cancellingTheDialClosesTheConnection() throws Exception {
        CountDownLatch eof = new CountDownLatch(1);
        proxy = FakeProxy.start((socket, head) -> {
            InputStream in = socket.getInputStream();
            if (in.read() < 0) {
                eof.countDown();
            }
        });
        Future<Channel> dial = clientFor(proxy).dialChannel("10.0.0.1", 80);
        proxy.nextRequest();
        assertThat(dial.cancel(false)).isTrue();
        assertThat(eof.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    }

    @Test
    void manyConcurrentDialsAllSucceed() throws Exception {
        proxy = FakeProxy.answering(ESTABLISHED);
        TunnelClient c = clientFor(proxy);
        List<Future<Channel>> dials = new java.util.ArrayList<>();
        for (int i = 0; i < 50; i++) {
            dials.add(c.dialChannel("127.0.0.1", 1000 + i));
        }
        for (Future<Channel> dial : dials) {
            await(dial).close().sync();
        }
    }

    @Test
    void callersBootstrapOpensTheTunnelAndStaysAsItWas() throws Exception {
        proxy = FakeProxy.start((socket, head) -> {
            OutputStream out = socket.getOutputStream();
            out.write((ESTABLISHED + "banner\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            socket.getInputStream().transferTo(out);
        });
        EventLoopGroup group = Transports.newGroup(1, "callers-group");
        try {
            ChannelInboundHandlerAdapter marker = new SharableMarker();
            Bootstrap bootstrap = new Bootstrap().group(group).channel(Transports.socketChannel(group))
                    .option(ChannelOption.TCP_NODELAY, true).handler(marker);
            Channel ch = await(TunnelClient.dialChannel(bootstrap, proxyAddress(), "db.internal", 5432, WAIT));
            assertThat(proxy.nextRequest())
                    .isEqualTo("CONNECT db.internal:5432 HTTP/1.1\r\nHost: db.internal:5432\r\n\r\n");
            assertThat(ch.config().isAutoRead()).isFalse();
            assertThat(ch.pipeline().get(SharableMarker.class)).as("the bootstrap's handler").isSameAs(marker);
            assertThat(ch.pipeline().names()).contains(ClientPipeline.HANDOVER)
                    .doesNotContain(ClientPipeline.PROXY_DECODER, ClientPipeline.CONNECT_HANDSHAKE);
            assertThat(bootstrap.config().options()).doesNotContainKey(ChannelOption.AUTO_READ);
            assertThat(bootstrap.config().handler()).isSameAs(marker);
            Collector collector = attach(ch);
            awaitText(collector, "banner\n");
            ch.writeAndFlush(Unpooled.copiedBuffer("echo", StandardCharsets.US_ASCII));
            awaitText(collector, "banner\necho");
            ch.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void callersBootstrapGetsTheSameTypedFailures() throws Exception {
        EventLoopGroup group = Transports.newGroup(1, "callers-group");
        try {
            Bootstrap bootstrap = new Bootstrap().group(group).channel(Transports.socketChannel(group))
                    .handler(new SharableMarker());
            proxy = FakeProxy.answering("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n");
            assertThatThrownBy(() -> await(TunnelClient.dialChannel(bootstrap, proxyAddress(), "10.0.0.1", 80, WAIT)))
                    .isInstanceOf(NoAgentException.class)
                    .hasMessage("proxy answered 503 Service Unavailable for 10.0.0.1:80");
            proxy.close();
            proxy = FakeProxy.start((socket, head) -> proxy.hold());
            assertThatThrownBy(() -> await(TunnelClient.dialChannel(bootstrap, proxyAddress(), "10.0.0.1", 80,
                    Duration.ofMillis(200)))).isInstanceOf(DialTimeoutException.class)
                    .hasMessage("proxy did not answer CONNECT 10.0.0.1:80 within 200 ms");
            int closedPort;
            try (ServerSocket s = new ServerSocket(0)) {
                closedPort = s.getLocalPort();
            }
            InetSocketAddress closed = new InetSocketAddress("127.0.0.1", closedPort);
            assertThatThrownBy(() -> await(TunnelClient.dialChannel(bootstrap, closed, "10.0.0.1", 80, WAIT)))
                    .isInstanceOf(ProxyUnreachableException.class)
                    .hasMessageStartingWith("cannot reach proxy 127.0.0.1:" + closedPort);
            assertThatThrownBy(() -> TunnelClient.dialChannel(bootstrap, closed, "a b", 80, WAIT))
                    .isInstanceOf(IllegalArgumentException.class);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    private InetSocketAddress proxyAddress() {
        return new InetSocketAddress("127.0.0.1", proxy.port());
    }

    /** A handler a caller's bootstrap might add to every channel. */
    @ChannelHandler.Sharable
    private static final class SharableMarker extends ChannelInboundHandlerAdapter {
    }

    private static void awaitText(Collector collector, String expected) throws InterruptedException {
        collector.awaitText(expected, WAIT);
    }
}
