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
}
