package io.tunnel.core.link;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.embedded.EmbeddedChannel;
import io.tunnel.core.PipelineNames;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The handshake deadline: a link that is not established in time is closed, one that is keeps going. */
class LinkHandshakeHandlerTest {
    private static final class Recording extends LinkHandshakeHandler {
        boolean timedOut;

        @Override
        protected void handshakeTimedOut(ChannelHandlerContext ctx) {
            timedOut = true;
        }
    }

    @Test
    void closesTheConnectionWhenTheHandshakeDoesNotEndInTime() {
        Recording handshake = new Recording();
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.freezeTime(); // only advanceTimeBy moves the clock: a slow machine cannot fire the deadline early
        channel.pipeline().addLast(PipelineNames.HANDSHAKE, handshake);
        channel.advanceTimeBy(LinkConstants.HANDSHAKE_TIMEOUT_MILLIS - 1, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(channel.isOpen()).isTrue();

        channel.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(handshake.timedOut).isTrue();
        assertThat(channel.isOpen()).isFalse();
        channel.finishAndReleaseAll();
    }

    @Test
    void leavingThePipelineEndsTheDeadline() {
        Recording handshake = new Recording();
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.pipeline().addLast(PipelineNames.HANDSHAKE, handshake);
        channel.pipeline().remove(handshake); // the link is established
        channel.advanceTimeBy(LinkConstants.HANDSHAKE_TIMEOUT_MILLIS * 2, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(handshake.timedOut).isFalse();
        assertThat(channel.isOpen()).isTrue();
        channel.finishAndReleaseAll();
    }
}
