package io.tunnel.core.protocol;

/** First frame on a link, sent by the agent: its protocol version and receive settings. */
public record HelloFrame(int version, TunnelSettings settings) implements TunnelFrame {
    public HelloFrame {
        if (version < 0 || version > 0xFFFF) {
            throw new IllegalArgumentException("version: " + version);
        }
    }

    @Override
    public FrameType type() {
        return FrameType.HELLO;
    }

    @Override
    public int streamId() {
        return 0;
    }
}
