package io.tunnel.core.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Netty 4.2.18 epoll bug {@link EpollInterestFix} works around, shown with Netty's own handler, and gone with the
 * fix: a server socket whose input ended while it was not being read (the client's FIN) has an empty interest set,
 * so its registration left epoll; the first write that fills the send buffer then fails with ENOENT and kills the
 * connection. If the first test ever fails, Netty fixed the bug and the workaround can go.
 */
class EpollInterestFixTest {
    private static final int SIZE = 16 * 1024 * 1024;

    @BeforeAll
    static void epollOnly() {
        assertThat(Epoll.isAvailable()).as("the bug and its workaround concern the epoll transport, which Linux has")
                .isTrue();
    }

    @Test
    void nettysOwnHandlerKillsAHalfClosedConnectionOnItsFirstFullSendBuffer() throws Exception {
        Result result = downloadAfterClientHalfClose(EpollIoHandler.newFactory());
        assertThat(result.writeFailure).as("a write fails").isNotNull();
        assertThat(result.writeFailure).rootCause().hasMessageContaining("epoll_ctl").hasMessageContaining("No such file or directory");
        assertThat(result.received).isLessThan(SIZE);
    }

    @Test
    void withTheFixAHalfClosedConnectionCarriesTheWholeDownload() throws Exception {
        Result result = downloadAfterClientHalfClose(new EpollInterestFix());
        assertThat(result.writeFailure).isNull();
        assertThat(result.received).isEqualTo(SIZE);
    }

    private record Result(Throwable writeFailure, long received) {
    }

    /**
     * The client connects and half-closes at once; the server, not reading, sees the end of input, then (in a later
     * task, once epoll processed the FIN) queues more than the socket buffers hold; its flush fills them at once, and
     * only then does the client start reading.
     */
    private static Result downloadAfterClientHalfClose(IoHandlerFactory factory) throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("epoll-fix-test", true),
                factory);
        CompletableFuture<Throwable> written = new CompletableFuture<>();
        CountDownLatch queued = new CountDownLatch(1);
        try {
            Channel server = new ServerBootstrap().group(group).channel(EpollServerSocketChannel.class)
                    .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childHandler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelActive(ChannelHandlerContext ctx) {
                            ctx.read(); // one read: it finds the end of input, then the socket is not read again
                        }

                        @Override
                        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                            if (evt == ChannelInputShutdownEvent.INSTANCE) {
                                ctx.executor().execute(() -> {
                                    writeAll(ctx, written);
                                    queued.countDown();
                                });
                            }
                        }

                        @Override
                        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                            ctx.close();
                        }
                    })
                    .bind("127.0.0.1", 0).sync().channel();
            long received;
            try (Socket client = new Socket()) {
                client.connect((InetSocketAddress) server.localAddress(), 5_000);
                client.setSoTimeout(10_000);
                client.shutdownOutput();
                // Read only once the server wrote what it could: its first write filled the buffers.
                assertThat(queued.await(10, TimeUnit.SECONDS)).isTrue();
                received = drain(client.getInputStream());
            }
            server.close().sync();
            return new Result(written.get(10, TimeUnit.SECONDS), received);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /** Completes {@code written} with the first write's failure, or {@code null} once all were written. */
    private static void writeAll(ChannelHandlerContext ctx, CompletableFuture<Throwable> written) {
        ChannelFuture last = null;
        for (int sent = 0; sent < SIZE; sent += 64 * 1024) {
            last = ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[64 * 1024])).addListener(f -> {
                if (f.cause() != null) {
                    written.complete(f.cause());
                }
            });
        }
        last.addListener(f -> {
            written.complete(null);
            ctx.close();
        });
    }

    private static long drain(InputStream in) throws java.io.IOException {
        byte[] buf = new byte[64 * 1024];
        long total = 0;
        try {
            for (int n; (n = in.read(buf)) >= 0; ) {
                total += n;
            }
        } catch (java.net.SocketException e) {
            // Reset by the server after the failed write: what arrived before counts.
        }
        return total;
    }
}
