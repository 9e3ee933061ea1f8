package io.tunnel.core.protocol;

/** Aborts a stream in both directions; buffered data may be discarded. */
public record ResetFrame(int streamId, TunnelErrorCode code) implements TunnelFrame {
    public ResetFrame {
        Frames.checkStreamId(streamId);
        if (code == null) {
            throw new NullPointerException("code");
        }
    }

    @Override
    public FrameType type() {
        return FrameType.RESET;
    }
}
