package io.tunnel.core.link;

import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.ssl.SslHandler;
import io.tunnel.core.PipelineNames;
import io.tunnel.core.protocol.TunnelFrameDecoder;
import io.tunnel.core.protocol.TunnelFrameEncoder;
import io.tunnel.core.transport.Transports;

/**
 * The channel of an agent link, the same on both sides up to the handshake: its socket options and the pipeline
 * {@code SSL → KEEPALIVE → FRAME_DECODER → FRAME_ENCODER → HANDSHAKE} ({@link PipelineNames}). The handshake handler
 * replaces itself with the side's link handler.
 */
public final class LinkPipeline {
    private LinkPipeline() {
    }

    /** Configures a new link channel and builds its pipeline; call it from a {@code ChannelInitializer}. */
    public static void init(Channel ch, SslHandler ssl, long keepaliveMillis, long keepaliveTimeoutMillis,
                            LinkHandshakeHandler handshake) {
        ChannelConfig config = ch.config();
        config.setOption(ChannelOption.TCP_NODELAY, true);
        config.setOption(ChannelOption.SO_KEEPALIVE, true);
        config.setOption(ChannelOption.MAX_MESSAGES_PER_READ, LinkConstants.LINK_READS_PER_BURST);
        config.setWriteBufferWaterMark(new WriteBufferWaterMark(LinkConstants.LINK_LOW_WATER_MARK,
                LinkConstants.LINK_HIGH_WATER_MARK));
        Transports.limitUnsentBytes(ch, LinkConstants.LINK_UNSENT_LIMIT);
        ch.pipeline()
                .addLast(PipelineNames.SSL, ssl)
                .addLast(PipelineNames.KEEPALIVE, new KeepAliveHandler(keepaliveMillis, keepaliveTimeoutMillis))
                .addLast(PipelineNames.FRAME_DECODER, new TunnelFrameDecoder())
                .addLast(PipelineNames.FRAME_ENCODER, TunnelFrameEncoder.INSTANCE)
                .addLast(PipelineNames.HANDSHAKE, handshake);
    }
}
