package io.tunnel.core.protocol;

/**
 * The frame types of the tunnel protocol with their explicit wire codes (see {@code docs/protocol.md}).
 * Codes never come from {@link #ordinal()}; {@link #valueOf(int)} rejects unknown codes.
 */
public enum FrameType {
    HELLO(0x01, true),
    HELLO_ACK(0x02, true),
    DIAL(0x03, false),
    DIAL_RESULT(0x04, false),
    DATA(0x05, false),
    WINDOW_UPDATE(0x06, false),
    CLOSE(0x07, false),
    RESET(0x08, false),
    PING(0x09, true),
    PONG(0x0A, true),
    GOAWAY(0x0B, true);

    private static final FrameType[] BY_CODE;

    static {
        int max = 0;
        for (FrameType type : values()) {
            max = Math.max(max, type.code);
        }
        BY_CODE = new FrameType[max + 1];
        for (FrameType type : values()) {
            BY_CODE[type.code] = type;
        }
    }

    private final int code;
    private final boolean connectionScoped;

    FrameType(int code, boolean connectionScoped) {
        this.code = code;
        this.connectionScoped = connectionScoped;
    }

    /** The type's byte on the wire. */
    public int code() {
        return code;
    }

    /** {@code true} if this type must carry stream id 0, {@code false} if it must carry a non-zero stream id. */
    public boolean connectionScoped() {
        return connectionScoped;
    }

    /**
     * Returns the type for a wire code.
     *
     * @throws TunnelProtocolException if the code names no type
     */
    public static FrameType valueOf(int code) {
        FrameType type = code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
        if (type == null) {
            throw TunnelProtocolException.connectionError(TunnelErrorCode.PROTOCOL_ERROR,
                    "unknown frame type 0x" + Integer.toHexString(code));
        }
        return type;
    }
}
