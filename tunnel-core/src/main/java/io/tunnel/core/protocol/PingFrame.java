package io.tunnel.core.protocol;

/** Liveness probe; the receiver answers with a {@link PongFrame} carrying the same opaque payload. */
public record PingFrame(long payload) implements TunnelFrame {
    @Override
    public FrameType type() {
        return FrameType.PING;
    }

    @Override
    public int streamId() {
        return 0;
    }
}
