package io.tunnel.core.link;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelFuture;
import io.netty.channel.embedded.EmbeddedChannel;
import io.tunnel.core.protocol.CloseFrame;
import io.tunnel.core.protocol.ResetFrame;
import io.tunnel.core.protocol.TunnelErrorCode;
import io.tunnel.core.protocol.TunnelFrame;
import io.tunnel.core.protocol.TunnelSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The link's watch over streams whose socket input ended while their output is open: a reset socket is noticed at
 * the next check, and an ended stream is let go at once. The link is an {@link EmbeddedChannel} with its clock
 * frozen; the streams' sockets are stand-ins that say whether the kernel reported a reset.
 */
class HalfClosedProbeTest {
    private EmbeddedChannel linkChannel;
    private TunnelLink link;
    private final List<StreamResult> ended = new ArrayList<>();

    /** A destination socket whose reset the test decides; records how the stream ended it. */
    private final class StubSocket implements StreamSocket {
        boolean reset;
        boolean aborted;
        boolean closed;

        @Override
        public ByteBufAllocator alloc() {
            return UnpooledByteBufAllocator.DEFAULT;
        }

        @Override
        public ChannelFuture write(ByteBuf data) {
            data.release();
            return linkChannel.newSucceededFuture();
        }

        @Override
        public void flush() {
        }

        @Override
        public void shutdownOutput() {
        }

        @Override
        public void setReading(boolean read) {
        }

        @Override
        public boolean isReset() {
            return reset;
        }

        @Override
        public boolean canDetectReset() {
            return true;
        }

        @Override
        public void abort() {
            aborted = true;
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    @BeforeEach
    void open() {
        linkChannel = new EmbeddedChannel();
        linkChannel.freezeTime();
        link = new TunnelLink(linkChannel, "peer", TunnelSettings.DEFAULT, TunnelSettings.DEFAULT,
                (l, s, r) -> ended.add(r));
        linkChannel.pipeline().addLast(new LinkTestSupport.NoDialLinkHandler(link));
        link.recordRtt(LinkConstants.WINDOW_GROWTH_NANOS); // a sample, so no round-trip probe joins the frames below
    }

    @AfterEach
    void close() {
        linkChannel.finishAndReleaseAll();
    }

    /** An open stream on {@code socket} whose destination has just closed its side (FIN read). */
    private TunnelStream halfClosedStream(int id, StubSocket socket) {
        link.acceptStreamId(id);
        TunnelStream stream = link.newStream(id, "destination:80", "");
        stream.attach(socket);
        stream.open();
        stream.onSocketEof();
        return stream;
    }

    private List<TunnelFrame> sentFrames() {
        return LinkTestSupport.writtenFrames(linkChannel);
    }

    private void nextCheck() {
        linkChannel.advanceTimeBy(LinkConstants.HALF_CLOSED_PROBE_MILLIS, TimeUnit.MILLISECONDS);
        linkChannel.runScheduledPendingTasks();
    }

    @Test
    void aStreamThatEndsIsLetGoAtOnceNotAtTheNextCheck() {
        StubSocket socket = new StubSocket();
        halfClosedStream(1, socket);
        assertThat(sentFrames()).containsExactly(new CloseFrame(1));
        assertThat(link.halfClosedWatched()).isEqualTo(1);

        linkChannel.writeInbound(new CloseFrame(1)); // the client's side ends too

        assertThat(ended).containsExactly(StreamResult.CLOSED);
        assertThat(socket.closed).isTrue();
        assertThat(link.halfClosedWatched()).as("the ended stream (and its socket) is no longer held").isZero();
    }

    @Test
    void aResetSocketAbortsItsStreamAtTheNextCheckAndTheOthersStayWatched() {
        StubSocket resetOne = new StubSocket();
        StubSocket quietOne = new StubSocket();
        halfClosedStream(1, resetOne);
        halfClosedStream(3, quietOne);
        assertThat(sentFrames()).containsExactly(new CloseFrame(1), new CloseFrame(3));

        resetOne.reset = true;
        nextCheck();

        assertThat(sentFrames()).containsExactly(new ResetFrame(1, TunnelErrorCode.CANCEL));
        assertThat(resetOne.aborted).isTrue();
        assertThat(ended).extracting(StreamResult::code).containsExactly(TunnelErrorCode.CANCEL);
        assertThat(quietOne.aborted || quietOne.closed).as("the quiet stream is untouched").isFalse();
        assertThat(link.halfClosedWatched()).isEqualTo(1);

        nextCheck();
        assertThat(sentFrames()).as("nothing to report about the quiet one").isEmpty();
        assertThat(link.halfClosedWatched()).isEqualTo(1);
    }
}
