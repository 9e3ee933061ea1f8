package io.tunnel.core.protocol;

/** The answer to a {@link PingFrame}, echoing its payload. */
public record PongFrame(long payload) implements TunnelFrame {
    @Override
    public FrameType type() {
        return FrameType.PONG;
    }

    @Override
    public int streamId() {
        return 0;
    }
}
