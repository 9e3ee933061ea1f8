package io.tunnel.core.protocol;

import io.netty.handler.codec.DecoderException;

/**
 * A violation of the tunnel protocol. A <em>connection error</em> (stream id 0) ends the whole link with a
 * GOAWAY; a <em>stream error</em> resets one stream and leaves the others alone.
 */
public final class TunnelProtocolException extends DecoderException {
    private static final long serialVersionUID = 1L;

    private final TunnelErrorCode errorCode;
    private final int streamId;

    private TunnelProtocolException(TunnelErrorCode errorCode, int streamId, String message) {
        super(message);
        this.errorCode = errorCode;
        this.streamId = streamId;
    }

    public static TunnelProtocolException connectionError(TunnelErrorCode code, String message) {
        return new TunnelProtocolException(code, 0, message);
    }

    public static TunnelProtocolException streamError(int streamId, TunnelErrorCode code, String message) {
        if (streamId == 0) {
            throw new IllegalArgumentException("a stream error needs a stream id");
        }
        return new TunnelProtocolException(code, streamId, message);
    }

    public TunnelErrorCode errorCode() {
        return errorCode;
    }

    /** The stream this error is scoped to, or 0 for a connection error. */
    public int streamId() {
        return streamId;
    }

    public boolean isConnectionError() {
        return streamId == 0;
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        // Protocol errors are expected peer behaviour, not bugs: the message says everything.
        return this;
    }
}
