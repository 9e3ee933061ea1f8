package io.tunnel.core.protocol;

/**
 * Agent to server: the outcome of a DIAL. {@link TunnelErrorCode#NO_ERROR} means the stream is open; any other
 * code means it never opened, with a short ASCII reason for the logs.
 */
public record DialResultFrame(int streamId, TunnelErrorCode code, String reason) implements TunnelFrame {
    public DialResultFrame {
        Frames.checkStreamId(streamId);
        Frames.checkReason(reason);
    }

    public static DialResultFrame success(int streamId) {
        return new DialResultFrame(streamId, TunnelErrorCode.NO_ERROR, "");
    }

    /** A failed dial; {@code text} is trimmed and sanitised to a valid reason. */
    public static DialResultFrame failure(int streamId, TunnelErrorCode code, String text) {
        if (code == TunnelErrorCode.NO_ERROR) {
            throw new IllegalArgumentException("a failure needs an error code");
        }
        return new DialResultFrame(streamId, code, Frames.toReason(text));
    }

    public boolean isSuccess() {
        return code == TunnelErrorCode.NO_ERROR;
    }

    @Override
    public FrameType type() {
        return FrameType.DIAL_RESULT;
    }
}
