package io.tunnel.core.protocol;

/**
 * First frame on a link, sent by the agent: its protocol version, its receive settings and its attributes (the
 * agent's identifiers, see {@code docs/protocol.md} §4; empty if none).
 */
public record HelloFrame(int version, TunnelSettings settings, String attributes) implements TunnelFrame {
    public HelloFrame {
        if (version < 0 || version > 0xFFFF) {
            throw new IllegalArgumentException("version: " + version);
        }
        HelloAttributes.check(attributes);
    }

    /** A HELLO without attributes. */
    public HelloFrame(int version, TunnelSettings settings) {
        this(version, settings, "");
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
