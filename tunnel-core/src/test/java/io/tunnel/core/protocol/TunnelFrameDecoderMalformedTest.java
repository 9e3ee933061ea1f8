package io.tunnel.core.protocol;

import static io.tunnel.core.protocol.FrameFixtures.buf;
import static io.tunnel.core.protocol.FrameFixtures.concat;
import static io.tunnel.core.protocol.FrameFixtures.describeAndRelease;
import static io.tunnel.core.protocol.FrameFixtures.frame;
import static io.tunnel.core.protocol.FrameFixtures.frameWithLength;
import static io.tunnel.core.protocol.FrameFixtures.readAllInbound;
import static io.tunnel.core.protocol.TunnelErrorCode.FRAME_SIZE_ERROR;
import static io.tunnel.core.protocol.TunnelErrorCode.PROTOCOL_ERROR;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.tunnel.core.protocol.FrameFixtures.Wire;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every malformed input listed in {@code docs/protocol.md} is a connection error with its error code, and after
 * the first error the decoder discards everything.
 */
class TunnelFrameDecoderMalformedTest {
    private static final byte[] HTTP_GET = "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HTTP_CONNECT = "CONNECT a:1 HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] VALID_PING = frame(FrameType.PING, 0, new Wire().u64(1).toArray());

    private static byte[] tlsClientHello;

    @BeforeAll
    static void recordTlsClientHello() throws SSLException {
        tlsClientHello = clientHello();
    }

    // ---- the table of malformed inputs ----

    static Stream<Arguments> malformed() {
        List<Arguments> cases = new ArrayList<>();
        // lengths, checked in the header before any payload is awaited
        add(cases, "length above max frame size", FRAME_SIZE_ERROR,
                frameWithLength(ProtocolConstants.DEFAULT_MAX_FRAME_SIZE + 1, 0x05, 0, 1, new byte[0]));
        add(cases, "length 0xFFFFFF", FRAME_SIZE_ERROR, frameWithLength(0xFFFFFF, 0x05, 0, 1, new byte[0]));
        add(cases, "PING with 7 bytes", FRAME_SIZE_ERROR, frame(FrameType.PING, 0, new byte[7]));
        add(cases, "PING with 9 bytes", FRAME_SIZE_ERROR, frame(FrameType.PING, 0, new byte[9]));
        add(cases, "PONG with 0 bytes", FRAME_SIZE_ERROR, frame(FrameType.PONG, 0, new byte[0]));
        add(cases, "WINDOW_UPDATE with 0 bytes", FRAME_SIZE_ERROR, frame(FrameType.WINDOW_UPDATE, 1, new byte[0]));
        add(cases, "WINDOW_UPDATE with 5 bytes", FRAME_SIZE_ERROR, frame(FrameType.WINDOW_UPDATE, 1, new byte[5]));
        add(cases, "DIAL shorter than minimum (7)", FRAME_SIZE_ERROR,
                frame(FrameType.DIAL, 1, new Wire().u16(80).u32(1000).u8(0).toArray()));
        add(cases, "DIAL longer than maximum (261)", FRAME_SIZE_ERROR, frame(FrameType.DIAL, 1, new byte[261]));
        add(cases, "CLOSE with 1 byte", FRAME_SIZE_ERROR, frame(FrameType.CLOSE, 1, new byte[1]));
        add(cases, "DATA with 0 bytes", FRAME_SIZE_ERROR, frame(FrameType.DATA, 1, new byte[0]));
        add(cases, "RESET with 0 bytes", FRAME_SIZE_ERROR, frame(FrameType.RESET, 1, new byte[0]));
        add(cases, "RESET with 3 bytes", FRAME_SIZE_ERROR, frame(FrameType.RESET, 1, new byte[3]));
        add(cases, "HELLO with 2 bytes", FRAME_SIZE_ERROR, frame(FrameType.HELLO, 0, new byte[] {0, 1}));
        add(cases, "HELLO_ACK with 0 bytes", FRAME_SIZE_ERROR, frame(FrameType.HELLO_ACK, 0, new byte[0]));
        add(cases, "DIAL_RESULT with 2 bytes", FRAME_SIZE_ERROR, frame(FrameType.DIAL_RESULT, 1, new byte[2]));
        add(cases, "DIAL_RESULT longer than maximum (259)", FRAME_SIZE_ERROR,
                frame(FrameType.DIAL_RESULT, 1, new byte[259]));
        add(cases, "GOAWAY with 6 bytes", FRAME_SIZE_ERROR, frame(FrameType.GOAWAY, 0, new byte[6]));
        add(cases, "GOAWAY longer than maximum (263)", FRAME_SIZE_ERROR, frame(FrameType.GOAWAY, 0, new byte[263]));
        // type, flags, stream id
        for (int type : new int[] {0x00, 0x0C, 0x7F, 0xFF}) {
            add(cases, "unknown type 0x" + Integer.toHexString(type), PROTOCOL_ERROR, frame(type, 0, 1, new byte[1]));
        }
        add(cases, "flags 0x01 on DATA", PROTOCOL_ERROR, frame(0x05, 0x01, 1, new byte[1]));
        add(cases, "flags 0x80 on PING", PROTOCOL_ERROR, frame(0x09, 0x80, 0, new byte[8]));
        add(cases, "reserved stream id bit on DATA", PROTOCOL_ERROR, frame(0x05, 0, 0x8000_0001, new byte[1]));
        add(cases, "reserved stream id bit on PING", PROTOCOL_ERROR, frame(0x09, 0, 0x8000_0000, new byte[8]));
        for (FrameType type : FrameType.values()) {
            int id = type.connectionScoped() ? 1 : 0;
            add(cases, type + " on stream " + id, PROTOCOL_ERROR, frame(type, id, validPayload(type)));
        }
        // DIAL fields
        add(cases, "DIAL host length beyond payload", FRAME_SIZE_ERROR,
                frame(FrameType.DIAL, 1, new Wire().u16(80).u32(1000).u8(10).bytes(ascii("abc")).toArray()));
        add(cases, "DIAL trailing byte", FRAME_SIZE_ERROR,
                frame(FrameType.DIAL, 1, concat(dialPayload(80, 1000, "abc"), new byte[1])));
        add(cases, "DIAL empty host", FRAME_SIZE_ERROR,
                frame(FrameType.DIAL, 1, concat(dialPayload(80, 1000, ""), new byte[1])));
        add(cases, "DIAL non-ASCII host (UTF-8 e-acute)", PROTOCOL_ERROR,
                frame(FrameType.DIAL, 1, dialPayload(80, 1000, "caf\u00c3\u00a9")));
        for (String host : new String[] {"a b", "a\u0000b", "a\nb", "a\tb", "a\u007fb", "a/b", "[::1]", "u@h",
                "h:80/x", "h\r\nHost: y"}) {
            add(cases, "DIAL host " + host.replaceAll("\\p{Cntrl}", "^"), PROTOCOL_ERROR,
                    frame(FrameType.DIAL, 1, dialPayload(80, 1000, host)));
        }
        add(cases, "DIAL port 0", PROTOCOL_ERROR, frame(FrameType.DIAL, 1, dialPayload(0, 1000, "h")));
        add(cases, "DIAL timeout 0", PROTOCOL_ERROR, frame(FrameType.DIAL, 1, dialPayload(80, 0, "h")));
        add(cases, "DIAL timeout with high bit", PROTOCOL_ERROR,
                frame(FrameType.DIAL, 1, dialPayload(80, 0x8000_0000, "h")));
        // DIAL_RESULT, RESET, GOAWAY fields
        for (int code : new int[] {0x000A, 0x000F, 0x0016, 0x0100, 0xFFFF}) {
            String hex = String.format("0x%04x", code);
            add(cases, "DIAL_RESULT code " + hex, PROTOCOL_ERROR,
                    frame(FrameType.DIAL_RESULT, 1, new Wire().u16(code).ascii("").toArray()));
            add(cases, "RESET code " + hex, PROTOCOL_ERROR, frame(FrameType.RESET, 1, new Wire().u16(code).toArray()));
            add(cases, "GOAWAY code " + hex, PROTOCOL_ERROR,
                    frame(FrameType.GOAWAY, 0, new Wire().u32(0).u16(code).ascii("").toArray()));
        }
        add(cases, "DIAL_RESULT reason length beyond payload", FRAME_SIZE_ERROR,
                frame(FrameType.DIAL_RESULT, 1, new Wire().u16(0x10).u8(5).bytes(ascii("abc")).toArray()));
        add(cases, "DIAL_RESULT trailing byte", FRAME_SIZE_ERROR,
                frame(FrameType.DIAL_RESULT, 1, new Wire().u16(0x10).ascii("abc").u8('d').toArray()));
        add(cases, "DIAL_RESULT non-ASCII reason", PROTOCOL_ERROR,
                frame(FrameType.DIAL_RESULT, 1, new Wire().u16(0x10).ascii("\u00c3\u00a9").toArray()));
        add(cases, "DIAL_RESULT reason with newline", PROTOCOL_ERROR,
                frame(FrameType.DIAL_RESULT, 1, new Wire().u16(0x10).ascii("a\nb").toArray()));
        add(cases, "GOAWAY last stream id with high bit", PROTOCOL_ERROR,
                frame(FrameType.GOAWAY, 0, new Wire().u32(0x8000_0000).u16(0).ascii("").toArray()));
        add(cases, "GOAWAY reason length beyond payload", FRAME_SIZE_ERROR,
                frame(FrameType.GOAWAY, 0, new Wire().u32(0).u16(0).u8(9).bytes(ascii("abc")).toArray()));
        add(cases, "GOAWAY trailing byte", FRAME_SIZE_ERROR,
                frame(FrameType.GOAWAY, 0, new Wire().u32(0).u16(0).ascii("").u8(0).toArray()));
        // WINDOW_UPDATE increment
        for (int increment : new int[] {0, 0x8000_0000, 0xFFFF_FFFF}) {
            add(cases, "WINDOW_UPDATE increment 0x" + Integer.toHexString(increment), PROTOCOL_ERROR,
                    frame(FrameType.WINDOW_UPDATE, 1, new Wire().u32(increment).toArray()));
        }
        // HELLO / HELLO_ACK settings
        add(cases, "HELLO settings count above entries", FRAME_SIZE_ERROR,
                frame(FrameType.HELLO, 0, new Wire().u16(1).u8(4).u16(1).u32(65536).toArray()));
        add(cases, "HELLO settings count below entries", FRAME_SIZE_ERROR,
                frame(FrameType.HELLO, 0, new Wire().u16(1).u8(0).u16(1).u32(65536).toArray()));
        add(cases, "HELLO_ACK partial settings entry", FRAME_SIZE_ERROR,
                frame(FrameType.HELLO_ACK, 0, new Wire().u16(1).u8(1).u16(1).u8(0).toArray()));
        // HELLO / HELLO_ACK attributes
        add(cases, "HELLO one byte after the settings", FRAME_SIZE_ERROR,
                frame(FrameType.HELLO, 0, new Wire().u16(1).u8(0).u8(0).toArray()));
        add(cases, "HELLO attributes length above the rest", FRAME_SIZE_ERROR,
                frame(FrameType.HELLO, 0, new Wire().u16(1).u8(0).u16(3).bytes("a=".getBytes(StandardCharsets.US_ASCII)).toArray()));
        add(cases, "HELLO_ACK attributes length below the rest", FRAME_SIZE_ERROR,
                frame(FrameType.HELLO_ACK, 0, new Wire().u16(1).u8(0).u16(1).bytes("a=".getBytes(StandardCharsets.US_ASCII)).toArray()));
        add(cases, "HELLO attributes longer than 4096", FRAME_SIZE_ERROR,
                frame(FrameType.HELLO, 0, new Wire().u16(1).u8(0).u16(4097).bytes("x".repeat(4097).getBytes(StandardCharsets.US_ASCII)).toArray()));
        add(cases, "HELLO attributes with a space", PROTOCOL_ERROR,
                frame(FrameType.HELLO, 0, new Wire().u16(1).u8(0).u16(3).bytes("a b".getBytes(StandardCharsets.US_ASCII)).toArray()));
        add(cases, "HELLO_ACK attributes not ASCII", PROTOCOL_ERROR,
                frame(FrameType.HELLO_ACK, 0, new Wire().u16(1).u8(0).u16(2).u8(0xC3).u8(0xA9).toArray()));
        int[][] badSettings = {
                {TunnelSettings.ID_MAX_FRAME_SIZE, ProtocolConstants.MIN_FRAME_SIZE - 1},
                {TunnelSettings.ID_MAX_FRAME_SIZE, ProtocolConstants.MAX_FRAME_SIZE_CEILING + 1},
                {TunnelSettings.ID_MAX_FRAME_SIZE, -1},
                {TunnelSettings.ID_INITIAL_WINDOW, ProtocolConstants.MIN_INITIAL_WINDOW - 1},
                {TunnelSettings.ID_INITIAL_WINDOW, 0x8000_0000},
                {TunnelSettings.ID_KEEPALIVE_MILLIS, 0},
                {TunnelSettings.ID_KEEPALIVE_MILLIS, -1},
                {TunnelSettings.ID_MAX_STREAMS, 0},
                {TunnelSettings.ID_MAX_STREAMS, 0x8000_0000}};
        for (int[] setting : badSettings) {
            add(cases, "HELLO setting " + setting[0] + " = " + Integer.toUnsignedString(setting[1]), PROTOCOL_ERROR,
                    frame(FrameType.HELLO, 0, new Wire().u16(1).u8(1).u16(setting[0]).u32(setting[1]).toArray()));
        }
        // other protocols where a frame is expected
        add(cases, "HTTP GET request", FRAME_SIZE_ERROR, HTTP_GET);
        add(cases, "HTTP CONNECT request", FRAME_SIZE_ERROR, HTTP_CONNECT);
        add(cases, "TLS ClientHello", FRAME_SIZE_ERROR, tlsClientHello);
        add(cases, "TLS record prefix 16 03 01", FRAME_SIZE_ERROR, new byte[] {0x16, 0x03, 0x01, 0x02, 0x00});
        return cases.stream();
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("malformed")
    void rejectedAsConnectionError(String name, TunnelErrorCode code, byte[] bytes) {
        EmbeddedChannel channel = new EmbeddedChannel(new TunnelFrameDecoder());
        try {
            assertThatThrownBy(() -> channel.writeInbound(buf(bytes)))
                    .isInstanceOfSatisfying(TunnelProtocolException.class, e -> {
                        assertThat(e.errorCode()).as(e.getMessage()).isEqualTo(code);
                        assertThat(e.isConnectionError()).isTrue();
                        assertThat(e.streamId()).isZero();
                    });
            assertThat(channel.<Object>readInbound()).isNull();
            assertSkipsEverythingAfterwards(channel);
        } finally {
            assertThat(channel.finishAndReleaseAll()).isFalse();
        }
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("malformed")
    void sameErrorWhenFedByteByByte(String name, TunnelErrorCode code, byte[] bytes) {
        EmbeddedChannel channel = new EmbeddedChannel(new TunnelFrameDecoder());
        try {
            TunnelProtocolException error = null;
            int fed = 0;
            while (error == null && fed < bytes.length) {
                try {
                    channel.writeInbound(buf(bytes, fed, ++fed));
                } catch (TunnelProtocolException e) {
                    error = e;
                }
            }
            assertThat(error).as("rejected").isNotNull();
            assertThat(error.errorCode()).isEqualTo(code);
            assertThat(channel.<Object>readInbound()).isNull();
            assertSkipsEverythingAfterwards(channel);
        } finally {
            assertThat(channel.finishAndReleaseAll()).isFalse();
        }
    }

    // ---- when the decoder gives up ----

    static Stream<Arguments> foreignProtocols() {
        return Stream.of(Arguments.of("HTTP GET", HTTP_GET), Arguments.of("HTTP CONNECT", HTTP_CONNECT),
                Arguments.of("TLS ClientHello", tlsClientHello),
                Arguments.of("oversize DATA", frameWithLength(0x010001, 0x05, 0, 1, new byte[64])));
    }

    /** Refused on its length alone: three bytes in, without waiting for (or allocating) the claimed payload. */
    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("foreignProtocols")
    void oversizeRejectedAfterThreeBytes(String name, byte[] bytes) {
        assertRejectedAfterThreeBytes(new TunnelFrameDecoder(), bytes);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("foreignProtocols")
    void oversizeRejectedAfterThreeBytesEvenAtTheCeiling(String name, byte[] bytes) {
        if (name.startsWith("oversize")) {
            bytes = frameWithLength(ProtocolConstants.MAX_FRAME_SIZE_CEILING + 1, 0x05, 0, 1, new byte[0]);
        }
        assertRejectedAfterThreeBytes(new TunnelFrameDecoder(ProtocolConstants.MAX_FRAME_SIZE_CEILING), bytes);
    }

    private static void assertRejectedAfterThreeBytes(TunnelFrameDecoder decoder, byte[] bytes) {
        MaxCapacityRecordingAllocator alloc = new MaxCapacityRecordingAllocator();
        EmbeddedChannel channel = new EmbeddedChannel(decoder);
        channel.config().setAllocator(alloc);
        try {
            channel.writeInbound(buf(bytes, 0, 1));
            channel.writeInbound(buf(bytes, 1, 2));
            assertThatThrownBy(() -> channel.writeInbound(buf(bytes, 2, 3)))
                    .isInstanceOfSatisfying(TunnelProtocolException.class,
                            e -> assertThat(e.errorCode()).isEqualTo(FRAME_SIZE_ERROR));
            assertThat(alloc.largest).as("largest buffer the decoder allocated").isLessThanOrEqualTo(256);
            channel.writeInbound(buf(bytes, 3, bytes.length));
            assertThat(channel.<Object>readInbound()).isNull();
        } finally {
            assertThat(channel.finishAndReleaseAll()).isFalse();
        }
    }

    @Test
    void tlsClientHelloIsReal() {
        assertThat(tlsClientHello[0]).as("TLS handshake record").isEqualTo((byte) 0x16);
        assertThat(tlsClientHello[1]).as("TLS major version").isEqualTo((byte) 0x03);
        assertThat(tlsClientHello[5]).as("ClientHello").isEqualTo((byte) 0x01);
        assertThat(tlsClientHello.length).isGreaterThan(100);
    }

    /** Header errors are found in the 9 header bytes: the (possibly large) payload is never waited for. */
    @ParameterizedTest
    @ValueSource(strings = {"PING 7", "CLOSE 5000", "RESET 60000", "WINDOW_UPDATE 0", "DATA 0", "HELLO 2"})
    void badLengthRejectedOnTheHeaderAlone(String spec) {
        String[] parts = spec.split(" ");
        FrameType type = FrameType.valueOf(parts[0]);
        byte[] header = frameWithLength(Integer.parseInt(parts[1]), type.code(), 0,
                type.connectionScoped() ? 0 : 1, new byte[0]);
        EmbeddedChannel channel = new EmbeddedChannel(new TunnelFrameDecoder());
        try {
            channel.writeInbound(buf(header, 0, header.length - 1));
            assertThatThrownBy(() -> channel.writeInbound(buf(header, header.length - 1, header.length)))
                    .isInstanceOfSatisfying(TunnelProtocolException.class,
                            e -> assertThat(e.errorCode()).isEqualTo(FRAME_SIZE_ERROR));
        } finally {
            assertThat(channel.finishAndReleaseAll()).isFalse();
        }
    }

    @Test
    void framesBeforeTheErrorAreDeliveredAndNothingAfterIt() {
        byte[] bytes = concat(VALID_PING, frame(FrameType.DATA, 1, new byte[] {1, 2}), HTTP_GET, VALID_PING);
        EmbeddedChannel channel = new EmbeddedChannel(new TunnelFrameDecoder());
        try {
            assertThatThrownBy(() -> channel.writeInbound(buf(bytes)))
                    .isInstanceOfSatisfying(TunnelProtocolException.class,
                            e -> assertThat(e.errorCode()).isEqualTo(FRAME_SIZE_ERROR));
            assertThat(describeAndRelease(readAllInbound(channel)))
                    .containsExactly(new PingFrame(1).toString(), "DATA[stream=1, length=2, content=0102]");
            assertSkipsEverythingAfterwards(channel);
        } finally {
            assertThat(channel.finishAndReleaseAll()).isFalse();
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"HELLO", "HELLO_ACK", "PING", "PONG", "GOAWAY"})
    void connectionFramesOnAStreamAreRejected(FrameType type) {
        for (int id : new int[] {1, 2, ProtocolConstants.MAX_STREAM_ID}) {
            EmbeddedChannel channel = new EmbeddedChannel(new TunnelFrameDecoder());
            try {
                assertThatThrownBy(() -> channel.writeInbound(buf(frame(type, id, validPayload(type)))))
                        .isInstanceOfSatisfying(TunnelProtocolException.class,
                                e -> assertThat(e.errorCode()).isEqualTo(PROTOCOL_ERROR));
            } finally {
                assertThat(channel.finishAndReleaseAll()).isFalse();
            }
        }
    }

    @Test
    void validPayloadsAreValid() {
        // The stream-id cases above change only the id: with the right id the same payloads decode.
        for (FrameType type : FrameType.values()) {
            EmbeddedChannel channel = new EmbeddedChannel(new TunnelFrameDecoder());
            try {
                channel.writeInbound(buf(frame(type, type.connectionScoped() ? 0 : 1, validPayload(type))));
                assertThat(describeAndRelease(readAllInbound(channel))).as(type.toString()).hasSize(1);
            } finally {
                assertThat(channel.finishAndReleaseAll()).isFalse();
            }
        }
    }

    // ---- helpers ----

    private static void assertSkipsEverythingAfterwards(EmbeddedChannel channel) {
        for (int i = 0; i < 3; i++) {
            assertThat(channel.writeInbound(buf(VALID_PING))).as("input after the error is skipped").isFalse();
        }
        assertThat(channel.<Object>readInbound()).isNull();
    }

    private static void add(List<Arguments> cases, String name, TunnelErrorCode code, byte[] bytes) {
        cases.add(Arguments.of(name, code, bytes));
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] dialPayload(int port, int timeout, String host) {
        return new Wire().u16(port).u32(timeout).ascii(host).toArray();
    }

    private static byte[] validPayload(FrameType type) {
        return switch (type) {
            case HELLO, HELLO_ACK -> new Wire().u16(1).u8(0).toArray();
            case DIAL -> dialPayload(443, 1000, "example.com");
            case DIAL_RESULT -> new Wire().u16(0).ascii("").toArray();
            case DATA -> new byte[] {42};
            case WINDOW_UPDATE -> new Wire().u32(1).toArray();
            case CLOSE -> new byte[0];
            case RESET -> new Wire().u16(TunnelErrorCode.CANCEL.code()).toArray();
            case PING, PONG -> new Wire().u64(1).toArray();
            case GOAWAY -> new Wire().u32(0).u16(0).ascii("").toArray();
        };
    }

    /** The first flight of a real TLS client (Netty's {@code SslHandler}, JDK provider). */
    private static byte[] clientHello() throws SSLException {
        SslContext context = SslContextBuilder.forClient().sslProvider(SslProvider.JDK).build();
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.pipeline().addLast(context.newHandler(channel.alloc(), "tunnel.example", 443));
        List<byte[]> records = new ArrayList<>();
        for (ByteBuf buf; (buf = channel.readOutbound()) != null; ) {
            try {
                records.add(ByteBufUtil.getBytes(buf));
            } finally {
                buf.release();
            }
        }
        channel.finishAndReleaseAll();
        return concat(records.toArray(byte[][]::new));
    }

    /** Remembers the largest buffer requested from it; hands out pooled buffers. */
    private static final class MaxCapacityRecordingAllocator extends AbstractByteBufAllocator {
        int largest;

        MaxCapacityRecordingAllocator() {
            super(false);
        }

        @Override
        protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
            largest = Math.max(largest, initialCapacity);
            return PooledByteBufAllocator.DEFAULT.heapBuffer(initialCapacity, maxCapacity);
        }

        @Override
        protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
            largest = Math.max(largest, initialCapacity);
            return PooledByteBufAllocator.DEFAULT.directBuffer(initialCapacity, maxCapacity);
        }

        @Override
        public boolean isDirectBufferPooled() {
            return true;
        }
    }
}
