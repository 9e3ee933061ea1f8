package io.tunnel.core.link;

import io.tunnel.core.protocol.TunnelErrorCode;

/**
 * The dialling side's (server's) view of a DIAL's outcome. Called once, on the link's event loop.
 */
public interface DialCallback {
    /** The agent connected; the stream is open and DATA from the agent may follow at once. */
    void dialSucceeded(TunnelStream stream);

    /**
     * The stream never opened: the agent's answer, the server's own dial timeout, or the link going away.
     * The callback owns the socket from here on (answer and close it).
     */
    void dialFailed(TunnelStream stream, TunnelErrorCode code, String reason);

    /**
     * Asked first when the stream cannot open here, before {@link #dialFailed}: whether the callback takes the
     * connection to another link instead (the link went away or is gone, or the peer had no room, which another link
     * may not share). If so the stream ends as {@linkplain TunnelStream#wasWithdrawn() withdrawn} and
     * {@code dialFailed} is not called. By default the failure stands.
     */
    default boolean dialElsewhere(TunnelStream stream, TunnelErrorCode code, String reason) {
        return false;
    }
}
