package io.tunnel.core.protocol;

/** Half-close: the sender will send no more DATA on this stream; the other direction stays open. */
public record CloseFrame(int streamId) implements TunnelFrame {
    public CloseFrame {
        Frames.checkStreamId(streamId);
    }

    @Override
    public FrameType type() {
        return FrameType.CLOSE;
    }
}
