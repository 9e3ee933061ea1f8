package io.tunnel.server;

/**
 * Chooses the agent link that carries a new stream. Called on the frontend connection's event loop, which is not the
 * links' loops: an implementation reads only what {@link ServerLinkHandler} publishes for any thread.
 */
@FunctionalInterface
interface AgentChooser {
    /** The link for {@code request}, or {@code null} when no agent can take it. */
    ServerLinkHandler choose(ConnectRequest request);
}
