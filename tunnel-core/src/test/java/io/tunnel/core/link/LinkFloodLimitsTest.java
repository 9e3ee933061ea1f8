package io.tunnel.core.link;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import io.tunnel.core.protocol.CloseFrame;
import io.tunnel.core.protocol.DialFrame;
import io.tunnel.core.protocol.GoAwayFrame;
import io.tunnel.core.protocol.PingFrame;
import io.tunnel.core.protocol.PongFrame;
import io.tunnel.core.protocol.ResetFrame;
import io.tunnel.core.protocol.TunnelErrorCode;
import io.tunnel.core.protocol.TunnelFrame;
import io.tunnel.core.protocol.TunnelFrameEncoder;
import io.tunnel.core.protocol.TunnelSettings;
import io.tunnel.core.protocol.WindowUpdateFrame;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The flood limits of a link ({@link FloodLimit}), seen from the agent's end: each flood ends the link with
 * GOAWAY(ENHANCE_YOUR_CALM), what a correct peer sends never does, and a peer that does not read its answers stops
 * being read.
 */
class LinkFloodLimitsTest {
    private EmbeddedChannel channel;
    private TunnelLink link;

    /** The agent's end: a DIAL opens a stream that stays dialling (no destination here). */
    private static final class AgentEnd extends TunnelLinkHandler {
        AgentEnd(TunnelLink link) {
            super(link);
        }

        @Override
        protected void onDial(ChannelHandlerContext ctx, DialFrame dial) {
            link.acceptStreamId(dial.streamId());
            link.newStream(dial.streamId(), dial.host() + ':' + dial.port(), "");
        }
    }

    /** A peer that reads nothing: flushes are held, so what the link writes stays queued in the channel. */
    private static final class StalledPeer extends ChannelOutboundHandlerAdapter {
        private boolean stalled = true;

        @Override
        public void flush(ChannelHandlerContext ctx) {
            if (!stalled) {
                ctx.flush();
            }
        }

        void resume(EmbeddedChannel channel) {
            stalled = false;
            channel.flush();
        }
    }

    private void open(TunnelSettings peer) {
        channel = new EmbeddedChannel();
        channel.freezeTime(); // the buckets refill only when the test moves time
        link = new TunnelLink(channel, "peer", TunnelSettings.DEFAULT, peer, (l, s, r) -> { });
        channel.pipeline().addLast(new AgentEnd(link));
    }

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    private List<TunnelFrame> sent() {
        return LinkTestSupport.writtenFrames(channel);
    }

    /** Writes {@code count} frames made by {@code frame}, one read burst each, and returns what the link sent. */
    private List<TunnelFrame> receive(int count, java.util.function.IntFunction<TunnelFrame> frame) {
        List<TunnelFrame> sent = new ArrayList<>();
        for (int i = 0; i < count && channel.isOpen(); i++) {
            channel.writeInbound(frame.apply(i));
            sent.addAll(sent());
        }
        return sent;
    }

    private void assertCalmedDown(List<TunnelFrame> sent, FloodLimit limit) {
        assertThat(sent).last().isInstanceOfSatisfying(GoAwayFrame.class, goAway -> {
            assertThat(goAway.code()).isEqualTo(TunnelErrorCode.ENHANCE_YOUR_CALM);
            assertThat(goAway.reason()).startsWith(limit + " flood");
        });
        assertThat(channel.isOpen()).as("the link is closed once its GOAWAY is written").isFalse();
    }

    @Test
    void aPingFloodEndsTheLinkOnceTheBurstIsSpent() {
        open(TunnelSettings.DEFAULT);
        List<TunnelFrame> sent = receive(FloodLimit.PING.burst(), PingFrame::new);
        assertThat(sent).hasSize(FloodLimit.PING.burst()).allMatch(PongFrame.class::isInstance);
        assertThat(channel.isOpen()).isTrue();

        assertCalmedDown(receive(1, PingFrame::new), FloodLimit.PING);
    }

    @Test
    void keepAlivesAndRoundTripProbesNeverReachThePingLimit() {
        open(TunnelSettings.DEFAULT.withKeepaliveMillis(100));
        int pongs = 0;
        for (int ms = 1; ms <= 600_000; ms++) { // ten minutes: a keep-alive every 100 ms, a probe every second
            channel.advanceTimeBy(1, TimeUnit.MILLISECONDS);
            if (ms % 100 == 0) {
                pongs += receive(1, PingFrame::new).size();
            }
            if (ms % 1_000 == 0) {
                pongs += receive(1, PingFrame::new).size();
            }
        }
        assertThat(pongs).isEqualTo(6_000 + 600);
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void windowUpdatesBeyondTheBurstEndTheLinkUnlessDataEarnedThem() {
        open(TunnelSettings.DEFAULT);
        receive(1, i -> new DialFrame(1, "destination", 80, 1_000));
        link.stream(1).open();
        EmbeddedDuplexChannel socket = new EmbeddedDuplexChannel(new StreamRelayHandler(link.stream(1)));
        try {
            assertThat(receive(FloodLimit.WINDOW_UPDATE.burst(), i -> new WindowUpdateFrame(1, 1))).isEmpty();

            socket.writeInbound(Unpooled.wrappedBuffer(new byte[TunnelSettings.DEFAULT.initialWindow()]));
            int frames = sent().size(); // DATA, a window's worth: each earns two WINDOW_UPDATEs
            assertThat(frames).isPositive();
            assertThat(receive(2 * frames, i -> new WindowUpdateFrame(1, 1))).isEmpty();
            assertThat(channel.isOpen()).isTrue();

            assertCalmedDown(receive(1, i -> new WindowUpdateFrame(1, 1)), FloodLimit.WINDOW_UPDATE);
        } finally {
            socket.finishAndReleaseAll();
        }
    }

    @Test
    void framesForAStreamThatEndedAreStraysAndAFloodOfThemEndsTheLink() {
        open(TunnelSettings.DEFAULT);
        receive(1, i -> new DialFrame(1, "destination", 80, 1_000));
        link.stream(1).open();
        receive(1, i -> new ResetFrame(1, TunnelErrorCode.CANCEL));
        assertThat(link.stream(1)).as("stream 1 ended").isNull();

        assertThat(receive(FloodLimit.STRAY_FRAME.burst(), i -> i % 2 == 0 ? new CloseFrame(1)
                : new ResetFrame(1, TunnelErrorCode.CANCEL))).isEmpty();
        assertThat(channel.isOpen()).isTrue();
        assertCalmedDown(receive(1, i -> new CloseFrame(1)), FloodLimit.STRAY_FRAME);
    }

    @Test
    void dialsResetBeforeTheyCompleteAreARapidResetFlood() {
        open(TunnelSettings.DEFAULT);
        int id = 0;
        for (int i = 0; i < FloodLimit.DIAL_CANCEL.burst(); i++) {
            id++;
            channel.writeInbound(new DialFrame(id, "destination", 80, 1_000), new ResetFrame(id, TunnelErrorCode.CANCEL));
        }
        assertThat(sent()).isEmpty();
        assertThat(link.streamCount()).isZero();
        assertThat(channel.isOpen()).isTrue();

        int next = id + 1;
        channel.writeInbound(new DialFrame(next, "destination", 80, 1_000), new ResetFrame(next, TunnelErrorCode.CANCEL));
        assertCalmedDown(sent(), FloodLimit.DIAL_CANCEL);
    }

    @Test
    void aDialFloodEndsTheLinkAndTheRateRefills() {
        open(TunnelSettings.DEFAULT);
        int burst = FloodLimit.DIAL.burst();
        assertThat(receive(burst, i -> new DialFrame(i + 1, "destination", 80, 1_000))).isEmpty();
        channel.advanceTimeBy(1, TimeUnit.SECONDS); // a second's worth of DIALs is allowed again
        int perSecond = FloodLimit.DIAL.perSecond();
        assertThat(receive(perSecond, i -> new DialFrame(burst + i + 1, "destination", 80, 1_000))).isEmpty();
        assertThat(channel.isOpen()).isTrue();

        assertCalmedDown(receive(1, i -> new DialFrame(burst + perSecond + 1, "destination", 80, 1_000)),
                FloodLimit.DIAL);
    }

    @Test
    void aPeerThatDoesNotReadItsAnswersStopsBeingReadUntilItCatchesUp() {
        open(TunnelSettings.DEFAULT);
        StalledPeer peer = new StalledPeer();
        channel.config().setOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(256, 512));
        channel.pipeline().addFirst(peer, TunnelFrameEncoder.INSTANCE);
        link.readPauseBytes(1_000);

        int pings = 0;
        while (channel.config().isAutoRead() && pings < FloodLimit.PING.burst()) {
            channel.writeInbound(new PingFrame(pings++));
        }
        assertThat(channel.config().isAutoRead()).as("not read above the mark").isFalse();
        assertThat(pings).as("paused by the mark, not ended by the PING limit").isLessThan(FloodLimit.PING.burst());
        assertThat(channel.isOpen()).isTrue();

        peer.resume(channel);
        assertThat(channel.config().isAutoRead()).as("read again once the peer caught up").isTrue();
        channel.releaseOutbound();
    }

    @Test
    void aLinkThatFailedIsAbortedWhenItsGoAwayCannotBeSent() {
        open(TunnelSettings.DEFAULT);
        channel.pipeline().addFirst(new StalledPeer());
        receive(FloodLimit.PING.burst() + 1, PingFrame::new);
        assertThat(channel.config().isAutoRead()).as("a failed link is not read").isFalse();
        assertThat(channel.isOpen()).as("the GOAWAY waits behind what the peer never read").isTrue();

        channel.advanceTimeBy(LinkConstants.GOAWAY_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(channel.isOpen()).isFalse();
    }
}
