package io.tunnel.core.link;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.tunnel.core.protocol.CloseFrame;
import io.tunnel.core.protocol.DataFrame;
import io.tunnel.core.protocol.GoAwayFrame;
import io.tunnel.core.protocol.ResetFrame;
import io.tunnel.core.protocol.TunnelErrorCode;
import io.tunnel.core.protocol.TunnelSettings;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * GOAWAY({@code NO_ERROR}) on either side (docs/protocol.md §6.7): said once, answered once, and once both sides said
 * it the link closes when its last stream has ended and every frame of it has been written.
 */
class GoAwayDrainTest {
    private final EmbeddedChannel channel = new EmbeddedChannel();
    private TunnelLink link;
    private TunnelLinkHandler handler;

    @BeforeEach
    void open() {
        link = new TunnelLink(channel, "peer", TunnelSettings.DEFAULT, TunnelSettings.DEFAULT, (l, s, r) -> { });
        handler = new TunnelLinkHandler(link) { };
        channel.pipeline().addLast(handler);
    }

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    /** Frames written since the last call; a DATA frame (released here) as the text {@code DATA <stream id>}. */
    private List<Object> written() {
        channel.runPendingTasks();
        channel.flush();
        List<Object> frames = new ArrayList<>();
        for (Object msg; (msg = channel.readOutbound()) != null; ) {
            if (msg instanceof DataFrame data) {
                frames.add("DATA " + data.streamId());
                data.release();
            } else {
                frames.add(msg);
            }
        }
        return frames;
    }

    @Test
    void saidOnceAndTheLinkStaysUntilThePeerAnswers() {
        handler.goAwayGracefully("shutting down");
        handler.goAwayGracefully("shutting down");
        assertThat(written()).containsExactly(new GoAwayFrame(0, TunnelErrorCode.NO_ERROR, "shutting down"));
        assertThat(link.isGoingAway()).isTrue();
        assertThat(channel.isOpen()).as("the peer may still have frames in flight").isTrue();

        channel.writeInbound(new GoAwayFrame(0, TunnelErrorCode.NO_ERROR, "going away too"));
        assertThat(written()).as("not answered: this side said it first").isEmpty();
        assertThat(channel.isOpen()).as("both said it, no stream").isFalse();
    }

    @Test
    void thePeersGoAwayIsAnsweredOnceAndAnOpenStreamKeepsTheLink() {
        link.acceptStreamId(1);
        link.newStream(1, "destination:80", "");
        channel.writeInbound(new GoAwayFrame(1, TunnelErrorCode.NO_ERROR, "shutting down"));
        channel.writeInbound(new GoAwayFrame(1, TunnelErrorCode.NO_ERROR, "shutting down"));
        assertThat(written()).containsExactly(new GoAwayFrame(1, TunnelErrorCode.NO_ERROR, "going away too"));
        assertThat(channel.isOpen()).isTrue();

        channel.writeInbound(new ResetFrame(1, TunnelErrorCode.CANCEL));
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void theLinkClosesOnlyOnceTheFramesHeldBackForTheEndedStreamAreWritten() {
        link.acceptStreamId(1);
        link.newStream(1, "destination:80", "");
        handler.goAwayGracefully("shutting down");
        channel.writeInbound(new GoAwayFrame(1, TunnelErrorCode.NO_ERROR, "going away too"));
        written();

        // Above the high water mark: the stream's last frame waits in the link.
        channel.write(new DataFrame(1, Unpooled.wrappedBuffer(new byte[channel.config().getWriteBufferHighWaterMark()
                + 1])));
        assertThat(channel.isWritable()).isFalse();
        link.writeStreamFrame(new CloseFrame(1));
        link.stream(1).reset(TunnelErrorCode.CANCEL, "test");
        assertThat(link.streamCount()).isZero();
        assertThat(channel.isOpen()).as("a CLOSE is still held back").isTrue();

        assertThat(written()).contains(new CloseFrame(1));
        assertThat(channel.isOpen()).as("written once the link drained below its water mark").isFalse();
    }
}
