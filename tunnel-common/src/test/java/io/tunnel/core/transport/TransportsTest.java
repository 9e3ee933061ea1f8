package io.tunnel.core.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.NettyRuntime;
import io.netty.util.ReferenceCountUtil;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The kernel's round trip of a loopback connection, as the link's window growth reads it; abortive closes. */
class TransportsTest {
    @Test
    void eventLoopsAreSizedByWhatIsUsefulNeverBeyondTheCores() {
        int cores = NettyRuntime.availableProcessors();
        assertThat(Transports.ioThreads(1)).isEqualTo(1);
        assertThat(Transports.ioThreads(0)).isEqualTo(1);
        assertThat(Transports.ioThreads(4)).isEqualTo(Math.min(4, cores));
        assertThat(Transports.ioThreads(Integer.MAX_VALUE)).isEqualTo(cores);
    }


    /** The frontend and the agent's dialler rely on it rather than setting it once more per tunnel. */
    @Test
    void socketsMadeOrAcceptedHaveNagleOffWithoutBeingAsked() throws Exception {
        EventLoopGroup group = Transports.newGroup(1, "nodelay-test");
        try {
            CompletableFuture<Channel> accepted = new CompletableFuture<>();
            Channel server = new ServerBootstrap().group(group).channel(Transports.serverChannel())
                    .childHandler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelActive(ChannelHandlerContext ctx) {
                            accepted.complete(ctx.channel());
                        }
                    })
                    .bind("127.0.0.1", 0).sync().channel();
            Channel client = new Bootstrap().group(group).channel(Transports.socketChannel())
                    .handler(new ChannelInboundHandlerAdapter())
                    .connect(server.localAddress()).sync().channel();

            assertThat(client.config().getOption(ChannelOption.TCP_NODELAY)).as("dialled").isTrue();
            assertThat(accepted.get(10, TimeUnit.SECONDS).config().getOption(ChannelOption.TCP_NODELAY))
                    .as("accepted").isTrue();
            client.close().sync();
            server.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void kernelRoundTripOfALoopbackConnectionIsKnownWithEpollOnly() throws Exception {
        EventLoopGroup group = Transports.newGroup(1, "transports-test");
        try {
            Channel server = new ServerBootstrap().group(group).channel(Transports.serverChannel())
                    .childHandler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            ctx.writeAndFlush(msg); // echo
                        }
                    })
                    .bind("127.0.0.1", 0).sync().channel();
            CompletableFuture<Void> echoed = new CompletableFuture<>();
            Channel client = new Bootstrap().group(group).channel(Transports.socketChannel())
                    .handler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            ReferenceCountUtil.release(msg);
                            echoed.complete(null);
                        }
                    })
                    .connect(server.localAddress()).sync().channel();
            client.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {1, 2, 3})).sync();
            echoed.get(10, TimeUnit.SECONDS);

            long rtt = client.eventLoop().submit(() -> Transports.kernelRttNanos(client)).get();
            if (Epoll.isAvailable()) {
                assertThat(rtt).as("loopback round trip in ns").isPositive().isLessThan(TimeUnit.SECONDS.toNanos(1));
            } else {
                assertThat(rtt).isEqualTo(-1);
            }
            client.close().sync();
            server.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void anAbortedTlsChannelSendsNoCloseNotify() throws Exception {
        EmbeddedChannel channel = new EmbeddedChannel(SslContextBuilder.forClient().sslProvider(SslProvider.JDK)
                .trustManager(InsecureTrustManagerFactory.INSTANCE).build().newHandler(
                        ByteBufAllocator.DEFAULT));
        try {
            ByteBuf clientHello = channel.readOutbound();
            assertThat(clientHello).as("TLS started").isNotNull();
            clientHello.release();

            Transports.abort(channel);
            assertThat(channel.isOpen()).isFalse();
            assertThat((Object) channel.readOutbound()).as("no close_notify").isNull();
        } finally {
            channel.finishAndReleaseAll();
        }
    }

    @Test
    void anAbortedSocketResetsItsPeer() throws Exception {
        EventLoopGroup group = Transports.newGroup(1, "abort-test");
        try {
            Channel server = new ServerBootstrap().group(group).channel(Transports.serverChannel())
                    .childHandler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            ReferenceCountUtil.release(msg);
                            Transports.abort(ctx.channel());
                        }
                    })
                    .bind("127.0.0.1", 0).sync().channel();
            try (Socket socket = new Socket()) {
                socket.connect((InetSocketAddress) server.localAddress());
                socket.setSoTimeout(10_000);
                socket.getOutputStream().write(1);
                InputStream in = socket.getInputStream();
                assertThatThrownBy(in::read).as("a reset, not an end of stream").isInstanceOf(SocketException.class)
                        .hasMessageContaining("reset");
            }
            server.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /** A moved channel's listeners run on the loop it joined, and the failure to join a loop shut down on the old one. */
    @Test
    void aMoveIsHeardOfOnTheLoopThatSettledIt() throws Exception {
        EventLoopGroup from = Transports.newGroup(1, "move-from");
        EventLoopGroup to = Transports.newGroup(1, "move-to");
        EventLoopGroup gone = Transports.newGroup(1, "move-gone");
        try {
            gone.shutdownGracefully(0, 0, TimeUnit.SECONDS).sync();
            Channel channel = new Bootstrap().group(from).channel(Transports.socketChannel())
                    .handler(new ChannelInboundHandlerAdapter()).register().sync().channel();
            EventLoop target = to.next();
            CompletableFuture<Boolean> joined = new CompletableFuture<>();
            channel.eventLoop().execute(() -> Transports.moveTo(channel, target)
                    .addListener(f -> joined.complete(f.isSuccess() && target.inEventLoop())));
            assertThat(joined.get(10, TimeUnit.SECONDS)).as("registered, and told so on the target loop").isTrue();
            assertThat(channel.eventLoop()).isSameAs(target);

            EventLoop leaving = channel.eventLoop();
            CompletableFuture<Boolean> refused = new CompletableFuture<>();
            leaving.execute(() -> Transports.moveTo(channel, gone.next())
                    .addListener(f -> refused.complete(!f.isSuccess() && leaving.inEventLoop())));
            assertThat(refused.get(10, TimeUnit.SECONDS)).as("refused, and told so on the loop it left").isTrue();
            channel.close();
        } finally {
            from.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            to.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
