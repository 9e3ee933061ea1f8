package io.tunnel.server;

import java.util.List;

/**
 * How the server routes CONNECTs to agents (docs/protocol.md §6.9).
 *
 * @param strategies    the order in which {@link ProxyStrategy strategies} are tried ({@code --proxy-strategies})
 * @param claims        what each agent may claim ({@code --agent-claims-file}); {@link AgentClaims#ANY} without it
 * @param agentReplicas whether one agent id may hold several links, its replicas ({@code --agent-replicas})
 */
public record RoutingConfig(List<ProxyStrategy> strategies, AgentClaims claims, boolean agentReplicas) {
    /** The defaults: Konnectivity's strategy order, no claims file, one link per agent. */
    public static final RoutingConfig DEFAULT = new RoutingConfig(ProxyStrategy.DEFAULT_ORDER, AgentClaims.ANY, false);

    public RoutingConfig {
        strategies = List.copyOf(strategies);
    }
}
