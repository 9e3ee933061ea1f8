package io.tunnel.server;

import io.tunnel.core.net.Cidr;
import io.tunnel.core.protocol.AgentIdentifiers;
import java.util.ArrayList;
import java.util.List;

/**
 * One way of finding the agents for a destination, named as Konnectivity's {@code --proxy-strategies} names it. The
 * server tries them in the configured order and takes the first that finds a candidate (docs/protocol.md §6.9).
 */
public enum ProxyStrategy {
    /** The destination host, or IP literal, is one the agent named with {@code host=}, {@code ipv4=} or {@code ipv6=}. */
    DEST_HOST("destHost") {
        @Override
        boolean matches(AgentIdentifiers ids, Destination destination) {
            return ids.hosts().contains(destination.host())
                    || destination.address() != null && ids.addresses().contains(destination.address());
        }
    },
    /** The destination is an IP literal inside one of the agent's {@code cidr=} networks (names are never resolved). */
    CIDR("cidr") {
        @Override
        boolean matches(AgentIdentifiers ids, Destination destination) {
            if (destination.address() == null) {
                return false;
            }
            for (Cidr cidr : ids.cidrs()) {
                if (cidr.contains(destination.address())) {
                    return true;
                }
            }
            return false;
        }
    },
    /** The agent said {@code default-route=true}. */
    DEFAULT_ROUTE("defaultRoute") {
        @Override
        boolean matches(AgentIdentifiers ids, Destination destination) {
            return ids.defaultRoute();
        }
    },
    /** Any agent. */
    DEFAULT("default") {
        @Override
        boolean matches(AgentIdentifiers ids, Destination destination) {
            return true;
        }
    };

    /** Konnectivity's default order, and this server's. */
    public static final List<ProxyStrategy> DEFAULT_ORDER = List.of(DEST_HOST, CIDR, DEFAULT_ROUTE, DEFAULT);
    /** The flag value of {@link #DEFAULT_ORDER}. */
    public static final String DEFAULT_ORDER_TEXT = "destHost,cidr,defaultRoute,default";

    private final String flagName;

    ProxyStrategy(String flagName) {
        this.flagName = flagName;
    }

    /** The name in {@code --proxy-strategies} and in the access log. */
    public String flagName() {
        return flagName;
    }

    /** Whether an agent with identifiers {@code ids} is a candidate for {@code destination}. */
    abstract boolean matches(AgentIdentifiers ids, Destination destination);

    /**
     * Parses a comma-separated list such as {@value #DEFAULT_ORDER_TEXT}.
     *
     * @throws IllegalArgumentException naming an unknown or repeated strategy, or an empty list
     */
    public static List<ProxyStrategy> parseList(String text) {
        List<ProxyStrategy> strategies = new ArrayList<>();
        for (String part : text.split(",", -1)) {
            ProxyStrategy strategy = forName(part.strip());
            if (strategies.contains(strategy)) {
                throw new IllegalArgumentException("strategy '" + strategy.flagName + "' listed twice");
            }
            strategies.add(strategy);
        }
        return List.copyOf(strategies);
    }

    private static ProxyStrategy forName(String name) {
        for (ProxyStrategy strategy : values()) {
            if (strategy.flagName.equals(name)) {
                return strategy;
            }
        }
        throw new IllegalArgumentException("unknown strategy '" + name + "' (" + DEFAULT_ORDER_TEXT + ")");
    }

    /** The names of {@code strategies}, comma-separated. */
    static String names(List<ProxyStrategy> strategies) {
        StringBuilder sb = new StringBuilder();
        for (ProxyStrategy strategy : strategies) {
            sb.append(sb.isEmpty() ? "" : ",").append(strategy.flagName);
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return flagName;
    }
}
