package io.tunnel.core.protocol;

/** The server's answer to HELLO: the version it will speak and its own receive settings. */
public record HelloAckFrame(int version, TunnelSettings settings) implements TunnelFrame {
    public HelloAckFrame {
        if (version < 0 || version > 0xFFFF) {
            throw new IllegalArgumentException("version: " + version);
        }
    }

    @Override
    public FrameType type() {
        return FrameType.HELLO_ACK;
    }

    @Override
    public int streamId() {
        return 0;
    }
}
