package io.tunnel.core.link;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.tunnel.core.protocol.PingFrame;
import io.tunnel.core.protocol.TunnelFrameDecoder;
import io.tunnel.core.protocol.TunnelFrameEncoder;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Keep-alive in the link pipeline's order: it sits before the encoder, yet its PING must go out encoded. */
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
}
