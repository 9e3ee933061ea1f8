package io.tunnel.agent;

/**
 * What becomes of one link attempt, reported to the agent's {@link ServerSet}: established (HELLO_ACK), the server going
 * away (its GOAWAY), closed (before or after it was established). Any thread.
 */
interface AgentLinks {
    /** The handshake completed; the link takes DIALs from now on. */
    void established(ServerSet.Link link);

    /** The server said GOAWAY({@code NO_ERROR}): it opens no new stream on this link. */
    void serverGoingAway();

    /** The connection closed, or could not be made; {@code why} says so in a few words. */
    void closed(String why);
}
