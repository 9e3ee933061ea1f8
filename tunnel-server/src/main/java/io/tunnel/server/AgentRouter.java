package io.tunnel.server;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.IntUnaryOperator;

/**
 * Routes each CONNECT to an agent link (docs/protocol.md §6.9). A {@code Tunnel-Agent} header names the agent and
 * overrides everything else; otherwise the {@link ProxyStrategy strategies} are tried in their configured order and
 * the first with a candidate wins. Among candidates the link with the fewest open streams wins, ties at random, so
 * an agent's replicas share its load. A link is never a candidate while it takes no new streams (going away or
 * closed), while it is suspect (a DIAL and a PING went unanswered), or when the connection already failed on it.
 *
 * <p>Runs on frontend loops: reads only what links publish for any thread ({@link ServerLinkHandler}'s javadoc
 * lists it) and the registry's copy-on-write list. No allocation on the way to a choice but the result.
 */
final class AgentRouter implements AgentChooser {
    private final AgentRegistry registry;
    private final List<ProxyStrategy> strategies;
    private final String strategyNames;
    private final IntUnaryOperator random;

    AgentRouter(AgentRegistry registry, List<ProxyStrategy> strategies) {
        this(registry, strategies, bound -> ThreadLocalRandom.current().nextInt(bound));
    }

    /** @param random a number in {@code [0, bound)} for each {@code bound}, to break ties */
    AgentRouter(AgentRegistry registry, List<ProxyStrategy> strategies, IntUnaryOperator random) {
        if (strategies.isEmpty()) {
            throw new IllegalArgumentException("no strategy");
        }
        this.registry = registry;
        this.strategies = List.copyOf(strategies);
        this.strategyNames = ProxyStrategy.names(strategies);
        this.random = random;
    }

    @Override
    public AgentChoice choose(ConnectRequest request, Collection<ServerLinkHandler> excluded) {
        List<ServerLinkHandler> links = registry.links();
        if (request.agentId() != null) {
            ServerLinkHandler link = leastLoaded(links, excluded, null, null, request.agentId());
            if (link != null) {
                return AgentChoice.of(link, AgentChoice.HEADER);
            }
            boolean linked = links.stream().anyMatch(l -> l.agentId().equals(request.agentId()));
            return AgentChoice.none("Tunnel-Agent " + request.agentId() + ": "
                    + (linked ? "no link of it takes new streams (suspect, going away or failed)" : "not linked"));
        }
        if (links.isEmpty()) {
            return AgentChoice.none("no agent connected");
        }
        Destination destination = Destination.of(request);
        for (ProxyStrategy strategy : strategies) {
            ServerLinkHandler link = leastLoaded(links, excluded, strategy, destination, null);
            if (link != null) {
                return AgentChoice.of(link, strategy.flagName());
            }
        }
        long unusable = links.stream().filter(l -> !isUsable(l, excluded)).count();
        return AgentChoice.none("no agent for " + request.authority() + " by " + strategyNames
                + (unusable == 0 ? "" : " (" + unusable + " link(s) suspect, going away or failed)"));
    }

    /**
     * The usable link with the fewest open streams among those {@code strategy} finds for {@code destination} (or,
     * with {@code agentId}, those of that agent), a random one of the fewest if several tie; {@code null} if none.
     */
    private ServerLinkHandler leastLoaded(List<ServerLinkHandler> links, Collection<ServerLinkHandler> excluded,
                                          ProxyStrategy strategy, Destination destination, String agentId) {
        ServerLinkHandler best = null;
        int fewest = Integer.MAX_VALUE;
        int ties = 0;
        for (ServerLinkHandler link : links) {
            boolean candidate = agentId != null ? link.agentId().equals(agentId)
                    : strategy.matches(link.identifiers(), destination);
            if (!candidate || !isUsable(link, excluded)) {
                continue;
            }
            int load = link.link().openStreams();
            if (load < fewest) {
                best = link;
                fewest = load;
                ties = 1;
            } else if (load == fewest && random.applyAsInt(++ties) == 0) {
                best = link; // each of the n tied links stays chosen with probability 1/n
            }
        }
        return best;
    }

    private static boolean isUsable(ServerLinkHandler link, Collection<ServerLinkHandler> excluded) {
        return link.acceptsStreams() && !link.isSuspect() && !excluded.contains(link);
    }
}
