package io.tunnel.core.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.IntUnaryOperator;

/**
 * Frames and raw bytes for codec tests. Buffers come from the pooled allocator, so that paranoid leak detection
 * tracks them. Shipped in the test-jar for other modules' tests.
 */
public final class FrameFixtures {
    /** 255 printable ASCII characters: the longest reason, using the whole printable range. */
    public static final String MAX_REASON = printable(ProtocolConstants.MAX_REASON_LENGTH);
    /** A 253-character host name of labels of at most 63 characters. */
    public static final String MAX_HOST = maxHost();

    private FrameFixtures() {
    }

    /** A new pooled buffer holding {@code bytes}. */
    public static ByteBuf buf(byte[] bytes) {
        return buf(bytes, 0, bytes.length);
    }

    /** A new pooled buffer holding {@code bytes[from, to)}. */
    public static ByteBuf buf(byte[] bytes, int from, int to) {
        ByteBuf buf = PooledByteBufAllocator.DEFAULT.buffer(to - from);
        return buf.writeBytes(bytes, from, to - from);
    }

    /** A DATA frame with {@code length} bytes of a recognisable pattern. */
    public static DataFrame data(int streamId, int length) {
        return data(streamId, length, i -> i * 31 + 7);
    }

    public static DataFrame data(int streamId, int length, IntUnaryOperator pattern) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) pattern.applyAsInt(i);
        }
        return new DataFrame(streamId, buf(bytes)); // one write: paranoid detection records every access
    }

    /**
     * One or more frames of every type, with edge values. Each call makes new DATA frames: the caller owns them.
     */
    public static List<TunnelFrame> everyFrameType() {
        TunnelSettings custom = new TunnelSettings(ProtocolConstants.MAX_FRAME_SIZE_CEILING, 8 << 20, 2_500, 1);
        TunnelSettings minimal = new TunnelSettings(ProtocolConstants.MIN_FRAME_SIZE,
                ProtocolConstants.MIN_INITIAL_WINDOW, 1, Integer.MAX_VALUE);
        List<TunnelFrame> frames = new ArrayList<>();
        frames.add(new HelloFrame(ProtocolConstants.VERSION, TunnelSettings.DEFAULT));
        frames.add(new HelloFrame(0xFFFF, custom));
        frames.add(new HelloAckFrame(ProtocolConstants.VERSION, minimal));
        frames.add(new HelloAckFrame(0, new TunnelSettings(65_536, Integer.MAX_VALUE, Integer.MAX_VALUE, 10_000)));
        frames.add(new HelloFrame(ProtocolConstants.VERSION, TunnelSettings.DEFAULT,
                "host=db.internal&ipv4=10.0.0.5&ipv6=fd00::5&cidr=10.0.0.0/16&default-route=true"));
        frames.add(new HelloFrame(ProtocolConstants.VERSION, TunnelSettings.DEFAULT,
                "x".repeat(HelloAttributes.MAX_LENGTH)));
        frames.add(HelloAckFrame.of(ProtocolConstants.VERSION, TunnelSettings.DEFAULT,
                "0b6e1f0e-53c5-4a55-9d6b-6c1f7f0d8a6e", 3));
        frames.add(new DialFrame(1, "example.com", 443, 10_000));
        frames.add(new DialFrame(3, "2001:db8:85a3::8a2e:370:7334", 1, 1));
        frames.add(new DialFrame(5, "fe80::1%eth0", 65_535, Integer.MAX_VALUE));
        frames.add(new DialFrame(7, "10.0.0.1", 8080, 500));
        frames.add(new DialFrame(ProtocolConstants.MAX_STREAM_ID, MAX_HOST, 22, 30_000));
        frames.add(DialResultFrame.success(1));
        frames.add(new DialResultFrame(3, TunnelErrorCode.CONNECTION_REFUSED, MAX_REASON));
        frames.add(DialResultFrame.failure(5, TunnelErrorCode.DNS_FAILURE, "no such host: x.invalid"));
        frames.add(data(1, 1));
        frames.add(data(3, 1_000));
        frames.add(new WindowUpdateFrame(1, 1));
        frames.add(new WindowUpdateFrame(3, Integer.MAX_VALUE));
        frames.add(new CloseFrame(1));
        frames.add(new CloseFrame(ProtocolConstants.MAX_STREAM_ID));
        for (TunnelErrorCode code : TunnelErrorCode.values()) {
            frames.add(new ResetFrame(7, code));
        }
        frames.add(new PingFrame(0));
        frames.add(new PingFrame(Long.MIN_VALUE));
        frames.add(new PongFrame(-1));
        frames.add(new PongFrame(0x0102030405060708L));
        frames.add(new GoAwayFrame(0, TunnelErrorCode.NO_ERROR, ""));
        frames.add(new GoAwayFrame(ProtocolConstants.MAX_STREAM_ID, TunnelErrorCode.UNSUPPORTED_VERSION, MAX_REASON));
        frames.add(new GoAwayFrame(9, TunnelErrorCode.KEEPALIVE_TIMEOUT, "no frame for 30000 ms"));
        return frames;
    }

    /** One short frame of each type (and a few DATA sizes): a compact stream for exhaustive split tests. */
    public static List<TunnelFrame> oneOfEachType() {
        return new ArrayList<>(List.of(
                new HelloFrame(ProtocolConstants.VERSION, TunnelSettings.DEFAULT),
                new HelloAckFrame(ProtocolConstants.VERSION, TunnelSettings.DEFAULT.withMaxStreams(7), "server-id=a"),
                new DialFrame(1, "::1", 80, 1_000),
                DialResultFrame.success(1),
                data(1, 1),
                new WindowUpdateFrame(1, 65_536),
                data(1, 3),
                new PingFrame(7),
                new PongFrame(7),
                new CloseFrame(1),
                new DialFrame(3, "h", 22, 5),
                new DialResultFrame(3, TunnelErrorCode.HOST_UNREACHABLE, "no route"),
                new ResetFrame(1, TunnelErrorCode.CANCEL),
                new GoAwayFrame(3, TunnelErrorCode.NO_ERROR, "")));
    }

    /**
     * A value-comparable description: records describe themselves, DATA by stream and full content. Does not
     * release anything.
     */
    public static String describe(Object frame) {
        if (frame instanceof DataFrame data) {
            // One bulk read: paranoid leak detection records every single-byte access with a stack trace.
            byte[] content = ByteBufUtil.getBytes(data.content());
            return "DATA[stream=" + data.streamId() + ", length=" + content.length + ", content="
                    + HexFormat.of().formatHex(content) + ']';
        }
        return String.valueOf(frame);
    }

    /** Describes each frame and releases the DATA frames among them. */
    public static List<String> describeAndRelease(List<?> frames) {
        List<String> out = new ArrayList<>(frames.size());
        for (Object frame : frames) {
            try {
                out.add(describe(frame));
            } finally {
                ReferenceCountUtil.release(frame);
            }
        }
        return out;
    }

    /** Encodes the frames (taking ownership of the DATA frames) to one byte array. */
    public static byte[] encode(List<? extends TunnelFrame> frames) {
        EmbeddedChannel channel = new EmbeddedChannel(TunnelFrameEncoder.INSTANCE);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            for (TunnelFrame frame : frames) {
                assertThat(channel.writeOutbound(frame)).isTrue();
            }
            for (ByteBuf buf; (buf = channel.readOutbound()) != null; ) {
                try {
                    out.writeBytes(ByteBufUtil.getBytes(buf));
                } finally {
                    buf.release();
                }
            }
        } finally {
            assertThat(channel.finishAndReleaseAll()).isFalse();
        }
        return out.toByteArray();
    }

    /** Drains the inbound queue of a channel. */
    public static List<Object> readAllInbound(EmbeddedChannel channel) {
        List<Object> frames = new ArrayList<>();
        for (Object frame; (frame = channel.readInbound()) != null; ) {
            frames.add(frame);
        }
        return frames;
    }

    /** Raw frame: header with the payload's length, then the payload. */
    public static byte[] frame(int type, int flags, int streamId, byte[] payload) {
        return frameWithLength(payload.length, type, flags, streamId, payload);
    }

    /** Raw frame with a header that may lie about the length. */
    public static byte[] frameWithLength(int length, int type, int flags, int streamId, byte[] payload) {
        return new Wire().u24(length).u8(type).u8(flags).u32(streamId).bytes(payload).toArray();
    }

    public static byte[] frame(FrameType type, int streamId, byte[] payload) {
        return frame(type.code(), 0, streamId, payload);
    }

    public static byte[] concat(byte[]... parts) {
        Wire wire = new Wire();
        for (byte[] part : parts) {
            wire.bytes(part);
        }
        return wire.toArray();
    }

    /** Big-endian byte writer for hand-made (and malformed) payloads. */
    public static final class Wire {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        public Wire u8(int value) {
            out.write(value);
            return this;
        }

        public Wire u16(int value) {
            return u8(value >>> 8).u8(value);
        }

        public Wire u24(int value) {
            return u8(value >>> 16).u16(value);
        }

        public Wire u32(int value) {
            return u16(value >>> 16).u16(value);
        }

        public Wire u64(long value) {
            return u32((int) (value >>> 32)).u32((int) value);
        }

        public Wire bytes(byte[] bytes) {
            out.writeBytes(bytes);
            return this;
        }

        /** A length byte, then the characters' low bytes (so non-ASCII input can be written on purpose). */
        public Wire ascii(String s) {
            u8(s.length());
            for (int i = 0; i < s.length(); i++) {
                u8(s.charAt(i));
            }
            return this;
        }

        public byte[] toArray() {
            return out.toByteArray();
        }
    }

    private static String printable(int length) {
        StringBuilder sb = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            sb.append((char) (0x20 + i % (0x7F - 0x20)));
        }
        return sb.toString();
    }

    private static String maxHost() {
        StringBuilder sb = new StringBuilder();
        while (sb.length() < ProtocolConstants.MAX_HOST_LENGTH) {
            if (sb.length() > 0) {
                sb.append('.');
            }
            int label = Math.min(63, ProtocolConstants.MAX_HOST_LENGTH - sb.length());
            for (int i = 0; i < label; i++) {
                sb.append((char) ('a' + i % 26));
            }
        }
        return sb.toString();
    }
}
