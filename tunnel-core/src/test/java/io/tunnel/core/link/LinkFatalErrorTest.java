package io.tunnel.core.link;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.util.ReferenceCountUtil;
import io.tunnel.core.protocol.TunnelSettings;
import io.tunnel.core.transport.FatalErrorHandler;
import io.tunnel.core.transport.Transports;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * An error a link handler is told of reaches the {@link FatalErrorHandler} of its event loop (which halts the real
 * processes; here it records) and closes the link. The loop-ending case: {@code FatalErrorsTest} in tunnel-common.
 */
class LinkFatalErrorTest {

    @Test
    void anErrorALinkHandlerIsToldOfIsFatal() throws Exception {
        CompletableFuture<Map.Entry<String, Throwable>> fatal = new CompletableFuture<>();
        FatalErrorHandler recorder = (thread, error) -> fatal.complete(Map.entry(thread.getName(), error));
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

            Map.Entry<String, Throwable> reported = fatal.get(10, TimeUnit.SECONDS);
            assertThat(reported.getValue()).isInstanceOf(OutOfMemoryError.class);
            assertThat(reported.getKey()).startsWith("link-loop");
            assertThat(client.closeFuture().await(10, TimeUnit.SECONDS)).as("the link was closed").isTrue();
            server.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
