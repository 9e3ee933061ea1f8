package io.tunnel.server;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The agents connected to one server. Links join after their handshake and leave when they close; a CONNECT
 * takes any link that still accepts streams, at random among several.
 */
public final class AgentRegistry {
    private final List<ServerLinkHandler> links = new CopyOnWriteArrayList<>();

    void add(ServerLinkHandler link) {
        links.add(link);
    }

    void remove(ServerLinkHandler link) {
        links.remove(link);
    }

    /** A link to send a new stream to, or {@code null} when no agent is connected. */
    public ServerLinkHandler pick() {
        List<ServerLinkHandler> candidates = new ArrayList<>(links.size());
        for (ServerLinkHandler link : links) {
            if (link.acceptsStreams()) {
                candidates.add(link);
            }
        }
        if (candidates.isEmpty()) {
            return null;
        }
        return candidates.get(ThreadLocalRandom.current().nextInt(candidates.size()));
    }

    public int size() {
        return links.size();
    }

    public boolean isEmpty() {
        return links.isEmpty();
    }

    List<ServerLinkHandler> all() {
        return List.copyOf(links);
    }
}
