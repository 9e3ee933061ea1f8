package io.tunnel.server;

import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The agent links of one server. A link joins after its handshake, unless its agent id already has a link that is not
 * going away and replicas are not allowed, and leaves when it closes. Reads are lock-free (a copy-on-write list, for
 * the {@link AgentRouter} on every frontend loop); joins are serialized, so two links of one agent racing in cannot
 * both pass the check.
 */
public final class AgentRegistry {
    private final List<ServerLinkHandler> links = new CopyOnWriteArrayList<>();

    /**
     * Adds {@code link}, unless replicas are not allowed and another link of its agent id is there and not going away.
     *
     * @return {@code null} if added, else the link of the same agent that keeps its place
     */
    synchronized ServerLinkHandler add(ServerLinkHandler link, boolean replicas) {
        if (!replicas) {
            for (ServerLinkHandler other : links) {
                if (other.agentId().equals(link.agentId()) && !other.link().isGoingAway()) {
                    return other;
                }
            }
        }
        links.add(link);
        return null;
    }

    synchronized void remove(ServerLinkHandler link) {
        links.remove(link);
    }

    /** The links, oldest first: a live view safe to iterate from any thread (each iteration sees one snapshot). */
    List<ServerLinkHandler> links() {
        return links;
    }

    /** The loop of the one link, or {@code null} while there is none or more than one; from any thread. */
    EventLoop onlyLinkLoop() {
        Iterator<ServerLinkHandler> snapshot = links.iterator();
        if (!snapshot.hasNext()) {
            return null;
        }
        ServerLinkHandler only = snapshot.next();
        return snapshot.hasNext() ? null : only.link().eventLoop();
    }

    public int size() {
        return links.size();
    }

    public boolean isEmpty() {
        return links.isEmpty();
    }

    /** A snapshot of the links. */
    List<ServerLinkHandler> all() {
        return List.copyOf(links);
    }

    /** The links by agent id (an agent's replicas together), agents in the order their first link joined. */
    Map<String, List<ServerLinkHandler>> byAgent() {
        Map<String, List<ServerLinkHandler>> agents = new LinkedHashMap<>();
        for (ServerLinkHandler link : links) {
            agents.computeIfAbsent(link.agentId(), id -> new ArrayList<>(1)).add(link);
        }
        return agents;
    }
}
