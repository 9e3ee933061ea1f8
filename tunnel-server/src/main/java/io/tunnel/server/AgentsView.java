package io.tunnel.server;

import io.netty.util.NetUtil;
import io.tunnel.core.link.TunnelLink;
import io.tunnel.core.net.Addresses;
import io.tunnel.core.protocol.AgentIdentifiers;
import java.util.ArrayList;
import java.util.List;

/**
 * The health port's {@code /agents}: the linked agents as JSON, each with its links (one, or several replicas with
 * {@code --agent-replicas}). Read from the health port's loop: only what links publish for any thread.
 */
final class AgentsView {
    private AgentsView() {
    }

    /** One agent id and its links. */
    record Agent(String id, List<Link> links) {
    }

    /**
     * One link of an agent.
     *
     * @param link           the link's id, as the logs name it
     * @param remoteAddress  where the link comes from
     * @param connectedSince when its handshake ended (ISO-8601, UTC)
     * @param identifiers    what the agent may be routed by (claims the claims file refused are not here)
     * @param openStreams    streams dialling or open
     * @param bytesToAgent   DATA payload bytes sent to the agent (from clients)
     * @param bytesFromAgent DATA payload bytes received from the agent (to clients)
     * @param goingAway      whether it takes no new streams (GOAWAY either way, or closing)
     * @param suspect        whether a DIAL and a PING went unanswered and nothing was read since
     */
    record Link(String link, String remoteAddress, String connectedSince, Identifiers identifiers, int openStreams,
                long bytesToAgent, long bytesFromAgent, boolean goingAway, boolean suspect) {
    }

    /** Identifiers, as lists; {@code text} in the {@code --agent-identifiers} syntax. */
    record Identifiers(List<String> hosts, List<String> addresses, List<String> cidrs, boolean defaultRoute,
                       String text) {
        static Identifiers of(AgentIdentifiers ids) {
            return new Identifiers(List.copyOf(ids.hosts()),
                    ids.addresses().stream().map(NetUtil::toAddressString).toList(),
                    ids.cidrs().stream().map(Object::toString).toList(), ids.defaultRoute(), ids.format());
        }
    }

    static List<Agent> of(AgentRegistry registry) {
        List<Agent> agents = new ArrayList<>();
        registry.byAgent().forEach((id, handlers) -> {
            List<Link> links = new ArrayList<>(handlers.size());
            for (ServerLinkHandler handler : handlers) {
                TunnelLink link = handler.link();
                links.add(new Link(handler.linkId(), Addresses.text(handler.remoteAddress()),
                        handler.connectedSince().toString(), Identifiers.of(handler.identifiers()),
                        link.openStreams(), link.dataBytesSent(), link.dataBytesReceived(),
                        !handler.acceptsStreams(), handler.isSuspect()));
            }
            agents.add(new Agent(id, links));
        });
        return agents;
    }

}
