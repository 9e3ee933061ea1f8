package io.tunnel.core.protocol;

/**
 * Error codes carried by DIAL_RESULT, RESET and GOAWAY, with explicit 16-bit wire codes.
 * Codes {@code 0x00..0x0F} describe the link and streams, {@code 0x10..0x1F} the outcome of a dial.
 */
public enum TunnelErrorCode {
    NO_ERROR(0x00),
    PROTOCOL_ERROR(0x01),
    INTERNAL_ERROR(0x02),
    FLOW_CONTROL_ERROR(0x03),
    FRAME_SIZE_ERROR(0x04),
    UNSUPPORTED_VERSION(0x05),
    STREAM_CLOSED(0x06),
    CANCEL(0x07),
    SHUTDOWN(0x08),
    KEEPALIVE_TIMEOUT(0x09),
    /** The peer sent frames faster than any correct peer would (flood limits); HTTP/2's code of the same value. */
    ENHANCE_YOUR_CALM(0x0B),

    CONNECTION_REFUSED(0x10),
    HOST_UNREACHABLE(0x11),
    DNS_FAILURE(0x12),
    DIAL_TIMEOUT(0x13),
    POLICY_DENIED(0x14),
    TOO_MANY_STREAMS(0x15);

    private static final TunnelErrorCode[] BY_CODE;

    static {
        int max = 0;
        for (TunnelErrorCode code : values()) {
            max = Math.max(max, code.code);
        }
        BY_CODE = new TunnelErrorCode[max + 1];
        for (TunnelErrorCode code : values()) {
            BY_CODE[code.code] = code;
        }
    }

    private final int code;

    TunnelErrorCode(int code) {
        this.code = code;
    }

    /** The code's value on the wire (an unsigned 16-bit integer). */
    public int code() {
        return code;
    }

    /**
     * Returns the error code for a wire value.
     *
     * @throws TunnelProtocolException if the value names no code
     */
    public static TunnelErrorCode valueOf(int code) {
        TunnelErrorCode value = code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
        if (value == null) {
            throw TunnelProtocolException.connectionError(PROTOCOL_ERROR,
                    "unknown error code 0x" + Integer.toHexString(code));
        }
        return value;
    }
}
