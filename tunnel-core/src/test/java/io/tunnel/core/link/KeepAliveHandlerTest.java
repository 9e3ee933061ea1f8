package io.tunnel.core.link;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.tunnel.core.PipelineNames;
import io.tunnel.core.protocol.PingFrame;
import io.tunnel.core.protocol.TunnelFrameDecoder;
import io.tunnel.core.protocol.TunnelFrameEncoder;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.Test;

/**
 * Keep-alive in the link pipeline's order: it sits before the encoder, yet its PING must go out encoded; it stays
 * quiet until the handshake handler has gone; and it closes a dead link under TLS.
 */
class KeepAliveHandlerTest {

    @Test
    void pingsAnIdleWriterThroughTheEncoderAndClosesASilentLink() {
        EmbeddedChannel channel = new EmbeddedChannel(new KeepAliveHandler(1_000, 3_000), TunnelFrameEncoder.INSTANCE);
        try {
            channel.advanceTimeBy(1_100, TimeUnit.MILLISECONDS);
            channel.runScheduledPendingTasks();
            Object written = channel.readOutbound();
            assertThat(written).as("an encoded frame, not a frame object").isInstanceOf(ByteBuf.class);

            EmbeddedChannel decoder = new EmbeddedChannel(new TunnelFrameDecoder());
            decoder.writeInbound(written);
            assertThat((Object) decoder.readInbound()).isInstanceOf(PingFrame.class);
            decoder.finishAndReleaseAll();
            assertThat(channel.isOpen()).isTrue();

            channel.advanceTimeBy(3_000, TimeUnit.MILLISECONDS);
            channel.runScheduledPendingTasks();
            assertThat(channel.isOpen()).as("nothing read for the timeout: the link is dead").isFalse();
        } finally {
            channel.finishAndReleaseAll();
        }
    }

    @Test
    void sendsNoPingWhileTheHandshakeIsStillInThePipeline() {
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.pipeline()
                .addLast(PipelineNames.KEEPALIVE, new KeepAliveHandler(1_000, 30_000))
                .addLast(PipelineNames.FRAME_ENCODER, TunnelFrameEncoder.INSTANCE)
                .addLast(PipelineNames.HANDSHAKE, new ChannelInboundHandlerAdapter());
        try {
            channel.advanceTimeBy(2_500, TimeUnit.MILLISECONDS);
            channel.runScheduledPendingTasks();
            assertThat((Object) channel.readOutbound()).as("the peer expects a handshake frame first").isNull();

            channel.pipeline().remove(PipelineNames.HANDSHAKE);
            channel.advanceTimeBy(1_100, TimeUnit.MILLISECONDS);
            channel.runScheduledPendingTasks();
            Object written = channel.readOutbound();
            assertThat(written).as("a PING once the link is established").isInstanceOf(ByteBuf.class);
            ((ByteBuf) written).release();
        } finally {
            channel.finishAndReleaseAll();
        }
    }

    @Test
    void closesADeadLinkWithoutQueueingATlsCloseNotify() throws SSLException {
        SslContext tls = SslContextBuilder.forClient().sslProvider(SslProvider.JDK)
                .trustManager(InsecureTrustManagerFactory.INSTANCE).build();
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.pipeline()
                .addLast(PipelineNames.SSL, tls.newHandler(channel.alloc()))
                .addLast(PipelineNames.KEEPALIVE, new KeepAliveHandler(10_000, 3_000));
        try {
            ByteBuf clientHello = channel.readOutbound();
            assertThat(clientHello).as("TLS started").isNotNull();
            clientHello.release();

            channel.advanceTimeBy(3_100, TimeUnit.MILLISECONDS);
            channel.runScheduledPendingTasks();
            assertThat(channel.isOpen()).isFalse();
            assertThat((Object) channel.readOutbound()).as("no close_notify behind data the peer never reads")
                    .isNull();
        } finally {
            channel.finishAndReleaseAll();
        }
    }
}
