package io.tunnel.core.link;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.embedded.EmbeddedChannel;
import io.tunnel.core.protocol.CloseFrame;
import io.tunnel.core.protocol.DataFrame;
import io.tunnel.core.protocol.GoAwayFrame;
import io.tunnel.core.protocol.PingFrame;
import io.tunnel.core.protocol.PongFrame;
import io.tunnel.core.protocol.ResetFrame;
import io.tunnel.core.protocol.TunnelErrorCode;
import io.tunnel.core.protocol.TunnelFrame;
import io.tunnel.core.protocol.TunnelSettings;
import io.tunnel.core.protocol.WindowUpdateFrame;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Credit accounting of one stream, with the link and the stream's socket as {@link EmbeddedChannel}s: frames go
 * in and out of the link channel as objects, bytes in and out of the socket channel as buffers.
 */
class StreamFlowControlTest {
    private static final int WINDOW = 64 * 1024;
    private static final TunnelSettings SETTINGS = TunnelSettings.DEFAULT.withInitialWindow(WINDOW);

    private EmbeddedChannel linkChannel;
    private EmbeddedDuplexChannel socket;
    private TunnelLink link;
    private TunnelStream stream;
    private final List<StreamResult> ended = new ArrayList<>();

    @BeforeEach
    void open() {
        linkChannel = new EmbeddedChannel();
        linkChannel.freezeTime(); // window growth depends on how fast a window drains: time moves only when told
        link = new TunnelLink(linkChannel, "peer", SETTINGS, SETTINGS, (l, s, r) -> ended.add(r));
        linkChannel.pipeline().addLast(new LinkTestSupport.NoDialLinkHandler(link));
        link.acceptStreamId(1);
        // A round trip (50 ms, so the growth interval is 100 ms) measured at the start; with time frozen, no probe is
        // due, so the tests below see only the frames they cause.
        link.recordRtt(LinkConstants.WINDOW_GROWTH_NANOS);
        stream = link.newStream(1, "destination:80", "");
        socket = new EmbeddedDuplexChannel(new StreamRelayHandler(stream));
        socket.config().setAutoRead(false);
        stream.open();
    }

    @AfterEach
    void close() {
        socket.finishAndReleaseAll();
        linkChannel.finishAndReleaseAll();
    }

    private List<TunnelFrame> sentFrames() {
        linkChannel.runPendingTasks(); // the link's coalesced flush
        socket.runPendingTasks();
        return LinkTestSupport.writtenFrames(linkChannel);
    }

    private static DataFrame data(int length) {
        return new DataFrame(1, Unpooled.wrappedBuffer(new byte[length]));
    }

    private long bytesWrittenToSocket() {
        long total = 0;
        ByteBuf buf;
        while ((buf = socket.readOutbound()) != null) {
            total += buf.readableBytes();
            buf.release();
        }
        return total;
    }

    @Test
    void dataBeyondTheWindowResetsOnlyThatStream() {
        TunnelStream other = link.newStream(3, "other:80", "");
        link.acceptStreamId(3);
        EmbeddedChannel otherSocket = new EmbeddedChannel(new StreamRelayHandler(other));
        other.open();
        try {
            linkChannel.writeInbound(data(WINDOW + 1));

            assertThat(sentFrames()).containsExactly(new ResetFrame(1, TunnelErrorCode.FLOW_CONTROL_ERROR));
            assertThat(socket.isOpen()).as("the offending stream's socket is closed").isFalse();
            assertThat(ended).extracting(StreamResult::code).containsExactly(TunnelErrorCode.FLOW_CONTROL_ERROR);
            assertThat(linkChannel.isOpen()).as("the link stays up").isTrue();
            assertThat(otherSocket.isOpen()).isTrue();

            linkChannel.writeInbound(new DataFrame(3, Unpooled.wrappedBuffer(new byte[] {1, 2, 3})));
            ByteBuf delivered = otherSocket.readOutbound();
            assertThat(delivered.readableBytes()).as("the other stream carries on").isEqualTo(3);
            delivered.release();
        } finally {
            otherSocket.finishAndReleaseAll();
        }
    }

    @Test
    void creditIsReturnedAtHalfWindowOnlyAfterTheSocketWrote() {
        linkChannel.writeInbound(data(WINDOW / 2 - 1));
        assertThat(sentFrames()).as("below half a window: no update").isEmpty();
        assertThat(bytesWrittenToSocket()).isEqualTo(WINDOW / 2 - 1);

        linkChannel.writeInbound(data(1));
        List<TunnelFrame> frames = sentFrames();
        assertThat(frames).hasSize(1);
        WindowUpdateFrame update = (WindowUpdateFrame) frames.get(0);
        // Half a window consumed, plus the same again: the window drained at once, so it doubled.
        assertThat(update.increment()).isEqualTo(WINDOW / 2 + WINDOW);
        assertThat(stream.receiveWindow()).isEqualTo(2 * WINDOW);
    }

    /** Drains half the current window through the socket and returns the update it caused. */
    private WindowUpdateFrame drainHalfWindow() {
        linkChannel.writeInbound(data(stream.receiveWindow() / 2));
        bytesWrittenToSocket();
        List<TunnelFrame> frames = sentFrames();
        assertThat(frames).hasSize(1).first().isInstanceOf(WindowUpdateFrame.class);
        return (WindowUpdateFrame) frames.get(0);
    }

    @Test
    void aWindowGrowsOnlyIfItsHalfDrainedWithinAboutOneRoundTrip() {
        link.recordRtt(TimeUnit.MILLISECONDS.toNanos(1));

        linkChannel.advanceTimeBy(3, TimeUnit.MILLISECONDS);
        assertThat(drainHalfWindow().increment()).as("3 ms for half a window, 1 ms round trip: the network limits")
                .isEqualTo(WINDOW / 2);
        assertThat(stream.receiveWindow()).isEqualTo(WINDOW);

        linkChannel.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        assertThat(drainHalfWindow().increment()).as("1 ms: the sender waits for credit, the window limits")
                .isEqualTo(WINDOW / 2 + WINDOW);
        assertThat(stream.receiveWindow()).isEqualTo(2 * WINDOW);
    }

    @Test
    void dataArrivingProbesTheRoundTripOnceAtATimeAndThePongIsASample() {
        link.recordRtt(TimeUnit.MILLISECONDS.toNanos(5));
        linkChannel.advanceTimeBy(LinkRtt.PROBE_INTERVAL_NANOS, TimeUnit.NANOSECONDS);
        linkChannel.writeInbound(data(1));
        linkChannel.writeInbound(data(1));
        List<TunnelFrame> frames = sentFrames();
        assertThat(frames).as("one probe in flight").hasSize(1).first().isInstanceOf(PingFrame.class);

        linkChannel.advanceTimeBy(2, TimeUnit.MILLISECONDS);
        linkChannel.writeInbound(new PongFrame(((PingFrame) frames.get(0)).payload() + 1));
        assertThat(link.minRttNanos()).as("a keep-alive's PONG is no sample").isEqualTo(5_000_000L);
        linkChannel.writeInbound(new PongFrame(((PingFrame) frames.get(0)).payload()));
        assertThat(link.minRttNanos()).isEqualTo(2_000_000L);
        assertThat(bytesWrittenToSocket()).isEqualTo(2);
    }

    @Test
    void windowsGrowUpToTheCapAndGiveTheirGrowthBackWhenTheStreamEnds() {
        while (stream.receiveWindow() < LinkConstants.MAX_STREAM_WINDOW) {
            drainHalfWindow();
        }
        assertThat(stream.receiveWindow()).isEqualTo(LinkConstants.MAX_STREAM_WINDOW);
        assertThat(drainHalfWindow().increment()).as("at the cap").isEqualTo(LinkConstants.MAX_STREAM_WINDOW / 2);
        assertThat(link.windowGrowthBudget().used()).isEqualTo(LinkConstants.MAX_STREAM_WINDOW - WINDOW);

        stream.reset(TunnelErrorCode.CANCEL, "test");
        assertThat(link.windowGrowthBudget().used()).isZero();
    }

    @Test
    void theLinksGrowthBudgetBoundsWhatFastStreamsMayBuffer() {
        link.windowGrowthBudget().limit(WINDOW);
        assertThat(drainHalfWindow().increment()).isEqualTo(WINDOW / 2 + WINDOW);
        assertThat(stream.receiveWindow()).isEqualTo(2 * WINDOW);

        assertThat(drainHalfWindow().increment()).as("budget spent: credit back, no growth").isEqualTo(WINDOW);
        assertThat(stream.receiveWindow()).isEqualTo(2 * WINDOW);
        assertThat(link.windowGrowthBudget().used()).isEqualTo(WINDOW);
    }

    @Test
    void noCreditIsReturnedWhileTheSocketHasNotWritten() {
        socket.pipeline().addFirst(new io.netty.channel.ChannelOutboundHandlerAdapter() {
            @Override
            public void write(ChannelHandlerContext ctx, Object msg, io.netty.channel.ChannelPromise promise) {
                ctx.write(msg); // the socket "accepts" the bytes but never reports them written
            }
        });
        linkChannel.writeInbound(data(WINDOW / 2), data(WINDOW / 2));
        assertThat(sentFrames()).as("a stalled reader earns no credit").isEmpty();
        assertThat(link.unwrittenBytes()).isEqualTo(WINDOW);

        linkChannel.writeInbound(data(1));
        assertThat(sentFrames()).containsExactly(new ResetFrame(1, TunnelErrorCode.FLOW_CONTROL_ERROR));
    }

    @Test
    void aWriteThatFailsAboveTheSocketResetsTheStreamAndClosesTheSocket() {
        socket.pipeline().addFirst(new io.netty.channel.ChannelOutboundHandlerAdapter() {
            @Override
            public void write(ChannelHandlerContext ctx, Object msg, io.netty.channel.ChannelPromise promise) {
                // What an SslHandler does once its engine is closed: fail the write, leave the channel open.
                io.netty.util.ReferenceCountUtil.release(msg);
                promise.setFailure(new javax.net.ssl.SSLException("SSLEngine closed already"));
            }
        });
        linkChannel.writeInbound(data(100), data(100));

        assertThat(sentFrames()).containsExactly(new ResetFrame(1, TunnelErrorCode.CANCEL));
        assertThat(ended).containsExactly(
                new StreamResult(TunnelErrorCode.CANCEL, "socket write failed: SSLEngine closed already"));
        assertThat(socket.isOpen()).isFalse();
        assertThat(link.unwrittenBytes()).isZero();
    }

    @Test
    void socketBytesBeyondCreditWaitAndTheSocketStopsBeingRead() {
        socket.config().setAutoRead(true);
        socket.writeInbound(Unpooled.wrappedBuffer(new byte[WINDOW + 1000]));

        long sent = sentFrames().stream().mapToLong(f -> {
            DataFrame d = (DataFrame) f;
            int n = d.content().readableBytes();
            d.release();
            return n;
        }).sum();
        assertThat(sent).isEqualTo(WINDOW);
        assertThat(stream.pendingBytes()).isEqualTo(1000);
        assertThat(link.unsentBytes()).isEqualTo(1000);
        assertThat(socket.config().isAutoRead()).as("no credit: stop reading the socket").isFalse();

        linkChannel.writeInbound(new WindowUpdateFrame(1, 4096));
        List<TunnelFrame> frames = sentFrames();
        assertThat(frames).hasSize(1);
        DataFrame rest = (DataFrame) frames.get(0);
        assertThat(rest.content().readableBytes()).isEqualTo(1000);
        rest.release();
        assertThat(stream.pendingBytes()).isZero();
        assertThat(link.unsentBytes()).isZero();
        assertThat(socket.config().isAutoRead()).as("credit again: read again").isTrue();
    }

    /** Above the link's high water mark DATA and CLOSE wait; control frames written meanwhile overtake them. */
    @Test
    void controlFramesOvertakeDataHeldBackByAFullLink() {
        linkChannel.config().setWriteBufferWaterMark(new io.netty.channel.WriteBufferWaterMark(8, 16));
        boolean[] gateOpen = {false}; // a link whose socket cannot take more: flushes go nowhere until opened
        linkChannel.pipeline().addFirst(new io.netty.channel.ChannelOutboundHandlerAdapter() {
            @Override
            public void flush(ChannelHandlerContext ctx) {
                if (gateOpen[0]) {
                    ctx.flush();
                }
            }
        });
        socket.config().setAutoRead(true);
        socket.writeInbound(Unpooled.wrappedBuffer(new byte[100]));
        assertThat(linkChannel.isWritable()).as("100 bytes unflushed: above the high mark").isFalse();
        socket.writeInbound(Unpooled.wrappedBuffer(new byte[50]));
        socket.pipeline().fireUserEventTriggered(io.netty.channel.socket.ChannelInputShutdownEvent.INSTANCE);
        link.write(new WindowUpdateFrame(1, 1000));

        gateOpen[0] = true;
        linkChannel.flush();
        List<TunnelFrame> frames = sentFrames();
        assertThat(frames).extracting(TunnelFrame::type).containsExactly(
                io.tunnel.core.protocol.FrameType.DATA, io.tunnel.core.protocol.FrameType.WINDOW_UPDATE,
                io.tunnel.core.protocol.FrameType.DATA, io.tunnel.core.protocol.FrameType.CLOSE);
        assertThat(((DataFrame) frames.get(2)).content().readableBytes()).isEqualTo(50);
        frames.forEach(io.netty.util.ReferenceCountUtil::release);
    }

    @Test
    void dataAfterCloseIsAStreamError() {
        linkChannel.writeInbound(new CloseFrame(1));
        linkChannel.writeInbound(data(10));
        assertThat(sentFrames()).containsExactly(new ResetFrame(1, TunnelErrorCode.STREAM_CLOSED));
        assertThat(linkChannel.isOpen()).isTrue();
    }

    @Test
    void windowOverflowIsAStreamError() {
        linkChannel.writeInbound(new WindowUpdateFrame(1, Integer.MAX_VALUE));
        assertThat(sentFrames()).containsExactly(new ResetFrame(1, TunnelErrorCode.FLOW_CONTROL_ERROR));
    }

    @Test
    void framesForAClosedStreamAreIgnoredButANeverOpenedStreamIsAConnectionError() {
        linkChannel.writeInbound(new ResetFrame(1, TunnelErrorCode.CANCEL));
        assertThat(ended).extracting(StreamResult::detail).containsExactly("reset by peer");
        linkChannel.writeInbound(data(5), new WindowUpdateFrame(1, 10), new CloseFrame(1));
        assertThat(sentFrames()).as("late frames of an ended stream are dropped").isEmpty();
        assertThat(linkChannel.isOpen()).isTrue();

        linkChannel.writeInbound(new DataFrame(9, Unpooled.wrappedBuffer(new byte[] {1})));
        List<TunnelFrame> frames = sentFrames();
        assertThat(frames).hasSize(1);
        assertThat(((GoAwayFrame) frames.get(0)).code()).isEqualTo(TunnelErrorCode.PROTOCOL_ERROR);
        assertThat(linkChannel.isOpen()).isFalse();
    }

    @Test
    void halfCloseEachWayThenTheStreamEnds() {
        socket.config().setAutoRead(true);
        linkChannel.writeInbound(data(3), new CloseFrame(1));
        assertThat(bytesWrittenToSocket()).isEqualTo(3);
        assertThat(socket.isOutputShutdown()).as("peer's CLOSE becomes the socket's FIN").isTrue();
        assertThat(ended).as("not over until this side closed too").isEmpty();
        assertThat(socket.isOpen()).isTrue();

        socket.pipeline().fireUserEventTriggered(io.netty.channel.socket.ChannelInputShutdownEvent.INSTANCE);
        assertThat(sentFrames()).containsExactly(new CloseFrame(1));
        assertThat(ended).containsExactly(StreamResult.CLOSED);
        assertThat(socket.isOpen()).isFalse();
    }

    /** The socket's input ended first (the destination closed): the peer's CLOSE ends the stream with one close. */
    @Test
    void closeAfterTheSocketsEndClosesWithoutAHalfCloseFirst() {
        socket.config().setAutoRead(true);
        socket.pipeline().fireUserEventTriggered(io.netty.channel.socket.ChannelInputShutdownEvent.INSTANCE);
        assertThat(sentFrames()).containsExactly(new CloseFrame(1));
        assertThat(ended).as("not over until the peer closed too").isEmpty();

        linkChannel.writeInbound(data(3), new CloseFrame(1));
        assertThat(bytesWrittenToSocket()).as("written and flushed before the close").isEqualTo(3);
        assertThat(ended).containsExactly(StreamResult.CLOSED);
        assertThat(socket.isOpen()).isFalse();
        assertThat(socket.isOutputShutdown()).as("closed, not half-closed first").isFalse();
    }
}
