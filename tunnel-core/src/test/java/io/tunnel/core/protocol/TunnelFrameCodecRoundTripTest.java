package io.tunnel.core.protocol;

import static io.tunnel.core.protocol.FrameFixtures.buf;
import static io.tunnel.core.protocol.FrameFixtures.describe;
import static io.tunnel.core.protocol.FrameFixtures.describeAndRelease;
import static io.tunnel.core.protocol.FrameFixtures.readAllInbound;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Encoder → bytes → decoder for every frame type, the exact wire bytes, and the no-copy DATA path. */
class TunnelFrameCodecRoundTripTest {

    static Stream<TunnelFrame> everyFrameType() {
        return FrameFixtures.everyFrameType().stream();
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("everyFrameType")
    void roundTrip(TunnelFrame frame) {
        assertRoundTrip(frame, ProtocolConstants.DEFAULT_MAX_FRAME_SIZE);
    }

    @Test
    void everyFrameTypeIsCovered() {
        List<TunnelFrame> frames = FrameFixtures.everyFrameType();
        try {
            assertThat(frames).extracting(TunnelFrame::type).contains(FrameType.values());
        } finally {
            describeAndRelease(frames);
        }
    }

    @Test
    void dataOfOneByte() {
        assertRoundTrip(FrameFixtures.data(1, 1), ProtocolConstants.DEFAULT_MAX_FRAME_SIZE);
    }

    @Test
    void dataOfDefaultMaxFrameSize() {
        assertRoundTrip(FrameFixtures.data(1, ProtocolConstants.DEFAULT_MAX_FRAME_SIZE),
                ProtocolConstants.DEFAULT_MAX_FRAME_SIZE);
    }

    @Test
    void dataOfFrameSizeCeiling() {
        assertRoundTrip(FrameFixtures.data(0x7FFF_FFFF, ProtocolConstants.MAX_FRAME_SIZE_CEILING),
                ProtocolConstants.MAX_FRAME_SIZE_CEILING);
    }

    /** Encodes {@code frame} in one channel and decodes the buffers in another; both end empty and released. */
    private static void assertRoundTrip(TunnelFrame frame, int maxFrameSize) {
        String expected = describe(frame);
        EmbeddedChannel encoder = new EmbeddedChannel(TunnelFrameEncoder.INSTANCE);
        EmbeddedChannel decoder = new EmbeddedChannel(new TunnelFrameDecoder(maxFrameSize));
        try {
            assertThat(encoder.writeOutbound(frame)).isTrue();
            for (Object buf; (buf = encoder.readOutbound()) != null; ) {
                decoder.writeInbound(buf);
            }
            assertThat(describeAndRelease(readAllInbound(decoder))).containsExactly(expected);
        } finally {
            assertThat(encoder.finishAndReleaseAll()).isFalse();
            assertThat(decoder.finishAndReleaseAll()).isFalse();
        }
    }

    // ---- exact bytes: pins the layout written down in docs/protocol.md ----

    static Stream<Arguments> wireBytes() {
        return Stream.of(
                Arguments.of(new HelloFrame(1, TunnelSettings.DEFAULT),
                        "00001b 01 00 00000000 0001 04 0001 00010000 0002 00040000 0003 00002710 0004 00002710"),
                Arguments.of(new HelloAckFrame(1, new TunnelSettings(16384, 16384, 1, 2)),
                        "00001b 02 00 00000000 0001 04 0001 00004000 0002 00004000 0003 00000001 0004 00000002"),
                Arguments.of(new DialFrame(1, "a.b", 443, 10_000),
                        "00000a 03 00 00000001 01bb 00002710 03 612e62"),
                Arguments.of(new DialResultFrame(3, TunnelErrorCode.DIAL_TIMEOUT, "t"),
                        "000004 04 00 00000003 0013 01 74"),
                Arguments.of(new WindowUpdateFrame(5, Integer.MAX_VALUE),
                        "000004 06 00 00000005 7fffffff"),
                Arguments.of(new CloseFrame(7), "000000 07 00 00000007"),
                Arguments.of(new ResetFrame(9, TunnelErrorCode.FLOW_CONTROL_ERROR), "000002 08 00 00000009 0003"),
                Arguments.of(new PingFrame(0x0102030405060708L), "000008 09 00 00000000 0102030405060708"),
                Arguments.of(new PongFrame(-2), "000008 0a 00 00000000 fffffffffffffffe"),
                Arguments.of(new GoAwayFrame(11, TunnelErrorCode.SHUTDOWN, "bye"),
                        "00000a 0b 00 00000000 0000000b 0008 03 627965"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("wireBytes")
    void controlFrameWireBytes(TunnelFrame frame, String hex) {
        byte[] expected = HexFormat.of().parseHex(hex.replace(" ", ""));
        assertThat(HexFormat.of().formatHex(FrameFixtures.encode(List.of(frame))))
                .isEqualTo(HexFormat.of().formatHex(expected));
        EmbeddedChannel decoder = new EmbeddedChannel(new TunnelFrameDecoder());
        try {
            decoder.writeInbound(buf(expected));
            assertThat(describeAndRelease(readAllInbound(decoder))).containsExactly(describe(frame));
        } finally {
            assertThat(decoder.finishAndReleaseAll()).isFalse();
        }
    }

    @Test
    void dataWireBytes() {
        byte[] bytes = FrameFixtures.encode(List.of(FrameFixtures.data(0x01020304, 3, i -> 0xA0 + i)));
        assertThat(HexFormat.of().formatHex(bytes)).isEqualTo("000003" + "05" + "00" + "01020304" + "a0a1a2");
    }

    // ---- no copies of DATA payloads ----

    @Test
    void encoderWritesDataHeaderAndThePayloadBufferItself() {
        EmbeddedChannel encoder = new EmbeddedChannel(TunnelFrameEncoder.INSTANCE);
        ByteBuf payload = PooledByteBufAllocator.DEFAULT.directBuffer(100).writeZero(100);
        try {
            assertThat(encoder.writeOutbound(new DataFrame(3, payload))).isTrue();
            ByteBuf header = encoder.readOutbound();
            ByteBuf second = encoder.readOutbound();
            try {
                assertThat(HexFormat.of().formatHex(ByteBufUtil.getBytes(header))).isEqualTo("000064050000000003");
                assertThat(second).isSameAs(payload);
                assertThat(payload.refCnt()).as("the frame's reference moved to the outbound buffer").isEqualTo(1);
                assertThat(encoder.<Object>readOutbound()).isNull();
            } finally {
                header.release();
                second.release();
            }
            assertThat(payload.refCnt()).isZero();
        } finally {
            assertThat(encoder.finishAndReleaseAll()).isFalse();
        }
    }

    @Test
    void decodedDataIsARetainedSliceOfTheInput() {
        byte[] wire = FrameFixtures.encode(List.of(
                new PingFrame(1), FrameFixtures.data(1, 4, i -> 'a' + i), new PongFrame(1)));
        EmbeddedChannel decoder = new EmbeddedChannel(new TunnelFrameDecoder());
        ByteBuf input = buf(wire);
        input.retain(); // keep a handle to observe sharing; the decoder gets the other reference
        try {
            decoder.writeInbound(input);
            List<Object> frames = readAllInbound(decoder);
            assertThat(frames).hasSize(3);
            DataFrame data = (DataFrame) frames.get(1);
            try {
                assertThat(input.refCnt()).as("the input is held only by its DATA slice and this test").isEqualTo(2);
                assertThat(data.content().unwrap()).as("a derived buffer, not a copy").isNotNull();
                int payloadOffset = 17 + ProtocolConstants.FRAME_HEADER_LENGTH;
                assertThat((char) data.content().getByte(0)).isEqualTo('a');
                input.setByte(payloadOffset, 'Z');
                assertThat((char) data.content().getByte(0)).as("DATA shares the input's memory").isEqualTo('Z');
                data.content().setByte(3, 'Y');
                assertThat((char) input.getByte(payloadOffset + 3)).isEqualTo('Y');
            } finally {
                describeAndRelease(frames);
            }
            assertThat(input.refCnt()).as("releasing DATA released its share of the input").isEqualTo(1);
        } finally {
            input.release();
            assertThat(decoder.finishAndReleaseAll()).isFalse();
        }
    }

    @Test
    void decodedDataAcrossChunksIsStillOneSlice() {
        byte[] wire = FrameFixtures.encode(List.of(FrameFixtures.data(1, 10_000)));
        EmbeddedChannel decoder = new EmbeddedChannel(new TunnelFrameDecoder());
        try {
            List<String> expected = describeAndRelease(List.of(FrameFixtures.data(1, 10_000)));
            for (int from = 0; from < wire.length; from += 1000) {
                decoder.writeInbound(buf(wire, from, Math.min(wire.length, from + 1000)));
            }
            List<Object> frames = readAllInbound(decoder);
            assertThat(frames).hasSize(1);
            assertThat(((DataFrame) frames.get(0)).content().unwrap()).isNotNull();
            assertThat(describeAndRelease(frames)).isEqualTo(expected);
        } finally {
            assertThat(decoder.finishAndReleaseAll()).isFalse();
        }
    }
}
