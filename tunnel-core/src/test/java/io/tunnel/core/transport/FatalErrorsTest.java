package io.tunnel.core.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoRegistration;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.codec.EncoderException;
import io.netty.util.ReferenceCountUtil;
import io.tunnel.core.link.TunnelLink;
import io.tunnel.core.link.TunnelLinkHandler;
import io.tunnel.core.protocol.TunnelSettings;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Errors on the event loops of {@link Transports#newGroup}: one that ends a loop, and one a handler is told of, reach
 * the group's {@link FatalErrorHandler} (which halts the real processes; here it records).
 */
class FatalErrorsTest {
    /** What the fatal-error handler was given. */
    private static final class Recorder implements FatalErrorHandler {
        final CompletableFuture<Throwable> error = new CompletableFuture<>();
        volatile String thread;

        @Override
        public void fatalError(Thread t, Throwable e) {
            thread = t.getName();
            error.complete(e);
        }
    }

    @Test
    void errorsAnywhereInTheCauseChainAreFatal() {
        assertThat(FatalErrors.isFatal(new OutOfMemoryError())).isTrue();
        assertThat(FatalErrors.isFatal(new EncoderException(new OutOfMemoryError()))).as("wrapped by an encoder")
                .isTrue();
        assertThat(FatalErrors.isFatal(new EncoderException(new IllegalStateException()))).isFalse();
        assertThat(FatalErrors.isFatal(new java.io.IOException("Connection reset by peer"))).isFalse();
    }

    @Test
    void anErrorThatEndsAnEventLoopIsFatal() throws Exception {
        AtomicBoolean fail = new AtomicBoolean();
        IoHandlerFactory nio = NioIoHandler.newFactory();
        IoHandlerFactory failing = executor -> new FailingIoHandler(nio.newHandler(executor), fail);
        Recorder recorder = new Recorder();
        EventLoopGroup group = Transports.newGroup(1, "doomed", failing, recorder);
        try {
            group.execute(() -> fail.set(true)); // the loop's next turn throws
            assertThat(recorder.error.get(10, TimeUnit.SECONDS)).isInstanceOf(InternalError.class);
            assertThat(recorder.thread).startsWith("doomed");
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    @Test
    void anErrorALinkHandlerIsToldOfIsFatal() throws Exception {
        Recorder recorder = new Recorder();
        EventLoopGroup group = Transports.newGroup(1, "link-loop", recorder);
        try {
            Channel server = new ServerBootstrap().group(group).channel(Transports.serverChannel())
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            TunnelLink link = new TunnelLink(ch, "peer", TunnelSettings.DEFAULT, TunnelSettings.DEFAULT,
                                    (l, s, r) -> { });
                            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                    ReferenceCountUtil.release(msg);
                                    throw new OutOfMemoryError("Cannot reserve 16384 bytes of direct buffer memory");
                                }
                            }, new TunnelLinkHandler(link) { });
                        }
                    })
                    .bind("127.0.0.1", 0).sync().channel();
            Channel client = new Bootstrap().group(group).channel(Transports.socketChannel())
                    .handler(new ChannelInboundHandlerAdapter())
                    .connect(server.localAddress()).sync().channel();
            client.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {1})).sync();

            assertThat(recorder.error.get(10, TimeUnit.SECONDS)).isInstanceOf(OutOfMemoryError.class);
            assertThat(recorder.thread).startsWith("link-loop");
            assertThat(client.closeFuture().await(10, TimeUnit.SECONDS)).as("the link was closed").isTrue();
            server.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /** Delegates to a real handler, and throws from {@code run} once told to. */
    private static final class FailingIoHandler implements IoHandler {
        private final IoHandler delegate;
        private final AtomicBoolean fail;

        FailingIoHandler(IoHandler delegate, AtomicBoolean fail) {
            this.delegate = delegate;
            this.fail = fail;
        }

        @Override
        public void initialize() {
            delegate.initialize();
        }

        @Override
        public int run(IoHandlerContext context) {
            if (fail.get()) {
                throw new InternalError("the event loop broke");
            }
            return delegate.run(context);
        }

        @Override
        public void prepareToDestroy() {
            delegate.prepareToDestroy();
        }

        @Override
        public void destroy() {
            delegate.destroy();
        }

        @Override
        public IoRegistration register(IoHandle handle) throws Exception {
            return delegate.register(handle);
        }

        @Override
        public void wakeup() {
            delegate.wakeup();
        }

        @Override
        public boolean isCompatible(Class<? extends IoHandle> handleType) {
            return delegate.isCompatible(handleType);
        }
    }
}
