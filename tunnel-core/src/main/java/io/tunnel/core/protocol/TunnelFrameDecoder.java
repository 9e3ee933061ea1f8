package io.tunnel.core.protocol;

import static io.tunnel.core.protocol.ProtocolConstants.DEFAULT_MAX_FRAME_SIZE;
import static io.tunnel.core.protocol.ProtocolConstants.FRAME_HEADER_LENGTH;
import static io.tunnel.core.protocol.ProtocolConstants.MAX_FRAME_SIZE_CEILING;
import static io.tunnel.core.protocol.ProtocolConstants.MAX_HOST_LENGTH;
import static io.tunnel.core.protocol.ProtocolConstants.MAX_REASON_LENGTH;
import static io.tunnel.core.protocol.ProtocolConstants.PING_PAYLOAD_LENGTH;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Decodes tunnel frames (layout in {@code docs/protocol.md}).
 *
 * <p>A two-state reader: the 9-byte header is validated in full (length against the maximum, type, flags,
 * stream id scope, the type's length bounds) <em>before</em> any payload is awaited or allocated; DATA payloads
 * are passed on as retained slices of the input, never copied. Every violation raises a connection-scoped
 * {@link TunnelProtocolException}; after the first one all further input is discarded.
 */
public final class TunnelFrameDecoder extends ByteToMessageDecoder {
    private enum State { HEADER, PAYLOAD, FAILED }

    // Fixed parts of the payloads, the bounds checked on the header (PING/PONG: ProtocolConstants).
    private static final int SETTINGS_HEADER_LENGTH = 2 + 1;       // version + setting count
    private static final int ATTRIBUTES_LENGTH_LENGTH = 2;
    private static final int DIAL_MIN_LENGTH = 2 + 4 + 1 + 1;       // port + timeout + host length + 1 host byte
    private static final int DIAL_RESULT_MIN_LENGTH = 2 + 1;        // code + reason length
    private static final int GOAWAY_MIN_LENGTH = 4 + 2 + 1;         // last stream + code + reason length
    private static final int WINDOW_UPDATE_LENGTH = 4;
    private static final int RESET_LENGTH = 2;

    private int maxFrameSize;
    private State state = State.HEADER;
    private int length;
    private FrameType type;
    private int streamId;

    public TunnelFrameDecoder() {
        this(DEFAULT_MAX_FRAME_SIZE);
    }

    public TunnelFrameDecoder(int maxFrameSize) {
        setMaxFrameSize(maxFrameSize);
    }

    /** The largest payload accepted from now on; called once the handshake has fixed it. */
    public void setMaxFrameSize(int maxFrameSize) {
        if (maxFrameSize <= 0 || maxFrameSize > MAX_FRAME_SIZE_CEILING) {
            throw new IllegalArgumentException("maxFrameSize: " + maxFrameSize);
        }
        this.maxFrameSize = maxFrameSize;
    }

    public int maxFrameSize() {
        return maxFrameSize;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (state == State.FAILED) {
            in.skipBytes(in.readableBytes());
            return;
        }
        try {
            while (true) {
                if (state == State.HEADER) {
                    if (!readHeader(in)) {
                        return;
                    }
                    state = State.PAYLOAD;
                }
                if (in.readableBytes() < length) {
                    return;
                }
                ByteBuf payload = in.readSlice(length);
                state = State.HEADER;
                out.add(decodePayload(payload));
            }
        } catch (TunnelProtocolException e) {
            state = State.FAILED;
            in.skipBytes(in.readableBytes());
            throw e;
        }
    }

    private boolean readHeader(ByteBuf in) {
        // The length is checked as soon as its three bytes are in: an HTTP request line or a TLS record
        // arriving here reads as a length far above any maximum and is refused without waiting for more.
        if (in.readableBytes() < 3) {
            return false;
        }
        int frameLength = in.getUnsignedMedium(in.readerIndex());
        if (frameLength > maxFrameSize) {
            throw fail(TunnelErrorCode.FRAME_SIZE_ERROR,
                    "frame length " + frameLength + " exceeds maximum " + maxFrameSize);
        }
        if (in.readableBytes() < FRAME_HEADER_LENGTH) {
            return false;
        }
        in.skipBytes(3);
        FrameType frameType = FrameType.valueOf(in.readUnsignedByte());
        int flags = in.readUnsignedByte();
        int id = in.readInt();
        if (flags != 0) {
            throw fail(TunnelErrorCode.PROTOCOL_ERROR,
                    "undefined flags 0x" + Integer.toHexString(flags) + " on " + frameType);
        }
        if (id < 0) {
            throw fail(TunnelErrorCode.PROTOCOL_ERROR, "reserved stream id bit set on " + frameType);
        }
        if (frameType.connectionScoped() != (id == 0)) {
            throw fail(TunnelErrorCode.PROTOCOL_ERROR, frameType + " on stream " + id);
        }
        checkLength(frameType, frameLength);
        this.length = frameLength;
        this.type = frameType;
        this.streamId = id;
        return true;
    }

    private static void checkLength(FrameType type, int length) {
        boolean ok = switch (type) {
            case HELLO, HELLO_ACK -> length >= SETTINGS_HEADER_LENGTH;
            case DIAL -> length >= DIAL_MIN_LENGTH && length <= DIAL_MIN_LENGTH - 1 + MAX_HOST_LENGTH;
            case DIAL_RESULT -> length >= DIAL_RESULT_MIN_LENGTH
                    && length <= DIAL_RESULT_MIN_LENGTH + MAX_REASON_LENGTH;
            case DATA -> length > 0;
            case WINDOW_UPDATE -> length == WINDOW_UPDATE_LENGTH;
            case CLOSE -> length == 0;
            case RESET -> length == RESET_LENGTH;
            case PING, PONG -> length == PING_PAYLOAD_LENGTH;
            case GOAWAY -> length >= GOAWAY_MIN_LENGTH && length <= GOAWAY_MIN_LENGTH + MAX_REASON_LENGTH;
        };
        if (!ok) {
            throw fail(TunnelErrorCode.FRAME_SIZE_ERROR, "bad length " + length + " for " + type);
        }
    }

    private TunnelFrame decodePayload(ByteBuf payload) {
        return switch (type) {
            case HELLO -> {
                int version = payload.readUnsignedShort();
                TunnelSettings settings = readSettings(payload);
                yield new HelloFrame(version, settings, readAttributes(payload));
            }
            case HELLO_ACK -> {
                int version = payload.readUnsignedShort();
                TunnelSettings settings = readSettings(payload);
                yield new HelloAckFrame(version, settings, readAttributes(payload));
            }
            case DIAL -> {
                int port = payload.readUnsignedShort();
                int timeout = payload.readInt();
                String host = readAscii(payload, "host");
                expectEnd(payload);
                if (port == 0) {
                    throw fail(TunnelErrorCode.PROTOCOL_ERROR, "DIAL to port 0");
                }
                if (timeout <= 0) {
                    throw fail(TunnelErrorCode.PROTOCOL_ERROR, "DIAL timeout must be positive");
                }
                if (!DialFrame.isValidHost(host)) {
                    throw fail(TunnelErrorCode.PROTOCOL_ERROR, "DIAL host is not a valid name or address");
                }
                yield new DialFrame(streamId, host, port, timeout);
            }
            case DIAL_RESULT -> {
                TunnelErrorCode code = TunnelErrorCode.valueOf(payload.readUnsignedShort());
                String reason = readAscii(payload, "reason");
                expectEnd(payload);
                yield new DialResultFrame(streamId, code, reason);
            }
            case DATA -> new DataFrame(streamId, payload.retain());
            case WINDOW_UPDATE -> {
                int increment = payload.readInt();
                if (increment <= 0) {
                    throw fail(TunnelErrorCode.PROTOCOL_ERROR, "window increment must be in [1, 2^31-1]");
                }
                yield new WindowUpdateFrame(streamId, increment);
            }
            case CLOSE -> new CloseFrame(streamId);
            case RESET -> new ResetFrame(streamId, TunnelErrorCode.valueOf(payload.readUnsignedShort()));
            case PING -> new PingFrame(payload.readLong());
            case PONG -> new PongFrame(payload.readLong());
            case GOAWAY -> {
                int lastStreamId = payload.readInt();
                if (lastStreamId < 0) {
                    throw fail(TunnelErrorCode.PROTOCOL_ERROR, "reserved bit set in GOAWAY last stream id");
                }
                TunnelErrorCode code = TunnelErrorCode.valueOf(payload.readUnsignedShort());
                String reason = readAscii(payload, "reason");
                expectEnd(payload);
                yield new GoAwayFrame(lastStreamId, code, reason);
            }
        };
    }

    private static TunnelSettings readSettings(ByteBuf payload) {
        int count = payload.readUnsignedByte();
        if (payload.readableBytes() < count * TunnelSettings.ENTRY_LENGTH) {
            throw fail(TunnelErrorCode.FRAME_SIZE_ERROR, "settings length does not match their count " + count);
        }
        TunnelSettings defaults = TunnelSettings.DEFAULT;
        int maxFrameSize = defaults.maxFrameSize();
        int initialWindow = defaults.initialWindow();
        int keepalive = defaults.keepaliveMillis();
        int maxStreams = defaults.maxStreams();
        for (int i = 0; i < count; i++) {
            int id = payload.readUnsignedShort();
            int value = payload.readInt();
            switch (id) {
                case TunnelSettings.ID_MAX_FRAME_SIZE -> maxFrameSize = value;
                case TunnelSettings.ID_INITIAL_WINDOW -> initialWindow = value;
                case TunnelSettings.ID_KEEPALIVE_MILLIS -> keepalive = value;
                case TunnelSettings.ID_MAX_STREAMS -> maxStreams = value;
                default -> {
                    // Unknown settings are ignored so that later versions can add some.
                }
            }
        }
        return new TunnelSettings(maxFrameSize, initialWindow, keepalive, maxStreams);
    }

    /** The optional attributes field after the settings: a 2-byte length, then that many bytes 0x21–0x7E. */
    private static String readAttributes(ByteBuf payload) {
        if (!payload.isReadable()) {
            return "";
        }
        if (payload.readableBytes() < ATTRIBUTES_LENGTH_LENGTH) {
            throw fail(TunnelErrorCode.FRAME_SIZE_ERROR, "truncated attributes length");
        }
        int len = payload.readUnsignedShort();
        if (len != payload.readableBytes()) {
            throw fail(TunnelErrorCode.FRAME_SIZE_ERROR, "attributes length " + len + " does not match the frame");
        }
        if (len > HelloAttributes.MAX_LENGTH) {
            throw fail(TunnelErrorCode.FRAME_SIZE_ERROR, "attributes longer than " + HelloAttributes.MAX_LENGTH);
        }
        int start = payload.readerIndex();
        for (int i = 0; i < len; i++) {
            byte b = payload.getByte(start + i);
            if (b < 0x21 || b > 0x7E) {
                throw fail(TunnelErrorCode.PROTOCOL_ERROR, "attributes are not printable ASCII without spaces");
            }
        }
        String s = payload.toString(start, len, StandardCharsets.US_ASCII);
        payload.skipBytes(len);
        return s;
    }

    private static String readAscii(ByteBuf payload, String what) {
        int len = payload.readUnsignedByte();
        if (payload.readableBytes() < len) {
            throw fail(TunnelErrorCode.FRAME_SIZE_ERROR, what + " truncated");
        }
        int start = payload.readerIndex();
        for (int i = 0; i < len; i++) {
            byte b = payload.getByte(start + i);
            if (b < 0x20 || b > 0x7E) {
                throw fail(TunnelErrorCode.PROTOCOL_ERROR, what + " is not printable ASCII");
            }
        }
        String s = payload.toString(start, len, StandardCharsets.US_ASCII);
        payload.skipBytes(len);
        return s;
    }

    private void expectEnd(ByteBuf payload) {
        if (payload.isReadable()) {
            throw fail(TunnelErrorCode.FRAME_SIZE_ERROR, payload.readableBytes() + " trailing bytes in " + type);
        }
    }

    private static TunnelProtocolException fail(TunnelErrorCode code, String message) {
        return TunnelProtocolException.connectionError(code, message);
    }
}
