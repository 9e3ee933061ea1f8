package io.tunnel.core.protocol;

/**
 * The sender will accept no new streams: streams up to {@code lastStreamId} drain, later ones were not processed.
 * With an error code it also announces a connection error, after which the sender closes the link.
 */
public record GoAwayFrame(int lastStreamId, TunnelErrorCode code, String reason) implements TunnelFrame {
    public GoAwayFrame {
        if (lastStreamId < 0) {
            throw new IllegalArgumentException("lastStreamId: " + lastStreamId);
        }
        if (code == null) {
            throw new NullPointerException("code");
        }
        Frames.checkReason(reason);
    }

    @Override
    public FrameType type() {
        return FrameType.GOAWAY;
    }

    @Override
    public int streamId() {
        return 0;
    }
}
