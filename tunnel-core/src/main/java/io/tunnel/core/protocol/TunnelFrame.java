package io.tunnel.core.protocol;

/**
 * A decoded frame. Control frames are immutable values; {@link DataFrame} owns a buffer and must be released.
 */
public sealed interface TunnelFrame
        permits HelloFrame, HelloAckFrame, DialFrame, DialResultFrame, DataFrame, WindowUpdateFrame, CloseFrame,
        ResetFrame, PingFrame, PongFrame, GoAwayFrame {

    FrameType type();

    /** The stream the frame belongs to; 0 for frames about the whole link. */
    int streamId();
}
