package io.tunnel.core.link;

import io.tunnel.core.protocol.TunnelErrorCode;

/**
 * How a stream ended, for logs and counters.
 *
 * @param code   {@link TunnelErrorCode#NO_ERROR} for a clean end (both sides closed)
 * @param detail short words for the log: "closed", "reset by peer", "link lost", a dial failure reason
 */
public record StreamResult(TunnelErrorCode code, String detail) {
    public static final StreamResult CLOSED = new StreamResult(TunnelErrorCode.NO_ERROR, "closed");
    public static final StreamResult LINK_LOST = new StreamResult(TunnelErrorCode.CANCEL, "link lost");

    public boolean isClean() {
        return code == TunnelErrorCode.NO_ERROR;
    }

    @Override
    public String toString() {
        return isClean() ? detail : code + " (" + detail + ')';
    }
}
