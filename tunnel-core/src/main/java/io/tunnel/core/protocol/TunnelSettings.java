package io.tunnel.core.protocol;

import static io.tunnel.core.protocol.ProtocolConstants.DEFAULT_INITIAL_WINDOW;
import static io.tunnel.core.protocol.ProtocolConstants.DEFAULT_MAX_FRAME_SIZE;
import static io.tunnel.core.protocol.ProtocolConstants.MAX_FRAME_SIZE_CEILING;
import static io.tunnel.core.protocol.ProtocolConstants.MIN_FRAME_SIZE;
import static io.tunnel.core.protocol.ProtocolConstants.MIN_INITIAL_WINDOW;

/**
 * The settings a peer announces in HELLO / HELLO_ACK: what it is willing to <em>receive</em>.
 *
 * @param maxFrameSize   largest frame payload the announcing peer accepts
 * @param initialWindow  credit in bytes the announcing peer grants each new stream
 * @param keepaliveMillis interval at which the announcing peer pings an idle link
 * @param maxStreams     concurrent streams the announcing peer accepts on this link
 */
public record TunnelSettings(int maxFrameSize, int initialWindow, int keepaliveMillis, int maxStreams) {
    /** Wire ids of the settings, see {@code docs/protocol.md}. */
    public static final int ID_MAX_FRAME_SIZE = 0x1;
    public static final int ID_INITIAL_WINDOW = 0x2;
    public static final int ID_KEEPALIVE_MILLIS = 0x3;
    public static final int ID_MAX_STREAMS = 0x4;
    /** Number of settings this version writes. */
    public static final int COUNT = 4;
    /** id (2) + value (4). */
    public static final int ENTRY_LENGTH = 6;

    public static final int DEFAULT_KEEPALIVE_MILLIS = 10_000;
    public static final int DEFAULT_MAX_STREAMS = 10_000;

    public static final TunnelSettings DEFAULT = new TunnelSettings(
            DEFAULT_MAX_FRAME_SIZE, DEFAULT_INITIAL_WINDOW, DEFAULT_KEEPALIVE_MILLIS, DEFAULT_MAX_STREAMS);

    public TunnelSettings {
        if (maxFrameSize < MIN_FRAME_SIZE || maxFrameSize > MAX_FRAME_SIZE_CEILING) {
            throw TunnelProtocolException.connectionError(TunnelErrorCode.PROTOCOL_ERROR,
                    "max frame size " + maxFrameSize + " outside [" + MIN_FRAME_SIZE + ", " + MAX_FRAME_SIZE_CEILING
                            + "]");
        }
        if (initialWindow < MIN_INITIAL_WINDOW) {
            throw TunnelProtocolException.connectionError(TunnelErrorCode.PROTOCOL_ERROR,
                    "initial window " + Integer.toUnsignedString(initialWindow) + " below " + MIN_INITIAL_WINDOW);
        }
        if (keepaliveMillis <= 0) {
            throw TunnelProtocolException.connectionError(TunnelErrorCode.PROTOCOL_ERROR,
                    "keepalive interval must be positive");
        }
        if (maxStreams <= 0) {
            throw TunnelProtocolException.connectionError(TunnelErrorCode.PROTOCOL_ERROR,
                    "max streams must be positive");
        }
    }

    public TunnelSettings withMaxStreams(int value) {
        return new TunnelSettings(maxFrameSize, initialWindow, keepaliveMillis, value);
    }

    public TunnelSettings withKeepaliveMillis(int value) {
        return new TunnelSettings(maxFrameSize, initialWindow, value, maxStreams);
    }

    public TunnelSettings withInitialWindow(int value) {
        return new TunnelSettings(maxFrameSize, value, keepaliveMillis, maxStreams);
    }

    public TunnelSettings withMaxFrameSize(int value) {
        return new TunnelSettings(value, initialWindow, keepaliveMillis, maxStreams);
    }
}
