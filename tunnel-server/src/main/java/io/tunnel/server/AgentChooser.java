package io.tunnel.server;

import java.util.Collection;

/**
 * Chooses the agent link that carries a new stream. Called on the loop of the frontend connection, or of the link it
 * was given before (to choose again), which is not the other links' loops: an implementation reads only what
 * {@link ServerLinkHandler} publishes for any thread.
 */
@FunctionalInterface
interface AgentChooser {
    /**
     * The link for {@code request}, or a refusal saying why there is none.
     *
     * @param excluded links this connection was given before (they failed it); never chosen again
     */
    AgentChoice choose(ConnectRequest request, Collection<ServerLinkHandler> excluded);
}
