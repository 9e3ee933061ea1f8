package io.tunnel.core.protocol;

/**
 * Numbers of the tunnel protocol. Every limit the codec enforces is named here.
 */
public final class ProtocolConstants {
    /** The protocol version this build speaks, carried in HELLO and HELLO_ACK. */
    public static final int VERSION = 1;

    /** length (3) + type (1) + flags (1) + stream id (4). */
    public static final int FRAME_HEADER_LENGTH = 9;

    /** The largest payload any peer may announce as its maximum frame size: 1 MiB. */
    public static final int MAX_FRAME_SIZE_CEILING = 1 << 20;
    /** The smallest maximum frame size a peer may announce. */
    public static final int MIN_FRAME_SIZE = 16 * 1024;
    /** The maximum payload a peer accepts until the handshake says otherwise, and this build's default. */
    public static final int DEFAULT_MAX_FRAME_SIZE = 64 * 1024;

    /** Initial per-stream credit in bytes. */
    public static final int DEFAULT_INITIAL_WINDOW = 256 * 1024;
    /** Smallest initial window a peer may announce. */
    public static final int MIN_INITIAL_WINDOW = 16 * 1024;
    /** Largest a stream window may ever grow: 2^31 - 1 bytes. */
    public static final int MAX_WINDOW = Integer.MAX_VALUE;

    /** Longest host name or address literal in DIAL (RFC 1035 allows 253 characters). */
    public static final int MAX_HOST_LENGTH = 253;
    /** Longest human-readable reason in DIAL_RESULT and GOAWAY. */
    public static final int MAX_REASON_LENGTH = 255;
    /** Stream ids are 31-bit; the high bit is reserved and must be zero. */
    public static final int MAX_STREAM_ID = Integer.MAX_VALUE;
    /** Length of the opaque PING/PONG payload. */
    public static final int PING_PAYLOAD_LENGTH = 8;

    private ProtocolConstants() {
    }
}
