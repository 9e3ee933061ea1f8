package io.tunnel.core.link;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.util.ReferenceCountUtil;
import io.tunnel.core.protocol.CloseFrame;
import io.tunnel.core.protocol.DataFrame;
import io.tunnel.core.protocol.ProtocolConstants;
import io.tunnel.core.protocol.TunnelFrame;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link SendFlow} alone: DATA within credit, chunking, what waits, CLOSE after the last byte. */
class SendFlowTest {
    private static final int STREAM = 7;
    private static final int CHUNK = 1000;

    private final List<TunnelFrame> sent = new ArrayList<>();
    private final ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
    private SendFlow flow;

    @AfterEach
    void release() {
        if (flow != null) {
            flow.release();
        }
        sent.forEach(ReferenceCountUtil::release);
    }

    private static ByteBuf bytes(int length) {
        return Unpooled.wrappedBuffer(new byte[length]);
    }

    private List<Integer> dataLengths() {
        return sent.stream().filter(DataFrame.class::isInstance)
                .map(f -> ((DataFrame) f).content().readableBytes()).toList();
    }

    @Test
    void sendsWithinCreditInChunksAndKeepsTheRest() {
        flow = new SendFlow(STREAM, sent::add, CHUNK, 2500);
        flow.onRead(bytes(4000), alloc);

        assertThat(dataLengths()).containsExactly(1000, 1000, 500);
        assertThat(sent).allSatisfy(f -> assertThat(f.streamId()).isEqualTo(STREAM));
        assertThat(flow.credit()).isZero();
        assertThat(flow.pendingBytes()).isEqualTo(1500);
        assertThat(flow.canSend()).isFalse();
        assertThat(flow.bytes()).isEqualTo(4000);
    }

    @Test
    void readsWhileSomethingWaitsQueueBehindItAndGoOutWithTheNextCredit() {
        flow = new SendFlow(STREAM, sent::add, CHUNK, 100);
        flow.onRead(bytes(300), alloc);
        flow.onRead(bytes(300), alloc);
        assertThat(flow.pendingBytes()).isEqualTo(500);

        assertThat(flow.onWindowUpdate(450)).isTrue();
        assertThat(dataLengths()).containsExactly(100, 450);
        assertThat(flow.pendingBytes()).isEqualTo(50);

        assertThat(flow.onWindowUpdate(1000)).isTrue();
        assertThat(flow.pendingBytes()).isZero();
        assertThat(flow.credit()).isEqualTo(950);
        assertThat(flow.canSend()).isTrue();
    }

    @Test
    void closeWaitsUntilNothingIsPending() {
        flow = new SendFlow(STREAM, sent::add, CHUNK, 10);
        flow.onRead(bytes(20), alloc);
        flow.onInputEnd();
        assertThat(flow.maybeSendClose()).as("10 bytes still wait").isFalse();

        flow.onWindowUpdate(10);
        assertThat(flow.maybeSendClose()).isTrue();
        assertThat(flow.maybeSendClose()).as("once").isFalse();
        assertThat(sent.get(sent.size() - 1)).isEqualTo(new CloseFrame(STREAM));
        assertThat(flow.closeSent()).isTrue();
        assertThat(flow.canSend()).isFalse();
    }

    @Test
    void bytesReadAfterCloseAreDropped() {
        flow = new SendFlow(STREAM, sent::add, CHUNK, 100);
        flow.onInputEnd();
        flow.maybeSendClose();
        ByteBuf late = bytes(5);
        flow.onRead(late, alloc);

        assertThat(late.refCnt()).isZero();
        assertThat(dataLengths()).isEmpty();
        assertThat(flow.bytes()).isZero();
    }

    @Test
    void aWindowThatWouldPassTwoToTheThirtyFirstIsRefusedAndChangesNothing() {
        flow = new SendFlow(STREAM, sent::add, CHUNK, ProtocolConstants.MAX_WINDOW - 10);
        assertThat(flow.onWindowUpdate(11)).isFalse();
        assertThat(flow.credit()).isEqualTo(ProtocolConstants.MAX_WINDOW - 10);
        assertThat(flow.onWindowUpdate(10)).isTrue();
    }

    @Test
    void releaseFreesWhatWaits() {
        flow = new SendFlow(STREAM, sent::add, CHUNK, 0);
        ByteBuf buf = bytes(10);
        flow.onRead(buf, alloc);
        flow.release();

        assertThat(buf.refCnt()).isZero();
        assertThat(flow.pendingBytes()).isZero();
    }
}
