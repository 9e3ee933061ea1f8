package io.tunnel.core.protocol;

/** Grants the peer {@code increment} more bytes of DATA on one stream. */
public record WindowUpdateFrame(int streamId, int increment) implements TunnelFrame {
    public WindowUpdateFrame {
        Frames.checkStreamId(streamId);
        if (increment <= 0) {
            throw TunnelProtocolException.streamError(streamId, TunnelErrorCode.PROTOCOL_ERROR,
                    "window increment must be in [1, 2^31-1]");
        }
    }

    @Override
    public FrameType type() {
        return FrameType.WINDOW_UPDATE;
    }
}
