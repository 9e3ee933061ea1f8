package io.tunnel.server;

import io.tunnel.core.net.Cidr;
import io.tunnel.core.protocol.AgentIdentifiers;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What each agent may claim ({@code --agent-claims-file}), so that a copy of one agent's certificate cannot draw
 * traffic meant for another network. Without the file every claim stands ({@link #ANY}). With it, a link keeps only
 * the identifiers its agent id is allowed:
 * <ul>
 *   <li>{@code host=}, {@code ipv4=}, {@code ipv6=}: listed for that agent (hosts compared as identifiers are);</li>
 *   <li>{@code cidr=}: inside one of the agent's allowed CIDRs (or equal to one);</li>
 *   <li>{@code default-route=true}: allowed for that agent.</li>
 * </ul>
 * An agent id not in the file may claim nothing.
 *
 * <p>The file is text (UTF-8): one line per agent, its id, blanks, then what it may claim in the syntax of
 * {@code --agent-identifiers}. Blank lines and lines starting with {@code #} are ignored; an id alone on its line may
 * claim nothing; an id may appear on one line only. Read once, at start.
 * <pre>
 * # agent id   allowed identifiers
 * agent-1      host=db.internal&amp;host=api.internal&amp;cidr=10.0.0.0/16
 * agent-2      cidr=10.1.0.0/16&amp;default-route=true
 * </pre>
 */
public final class AgentClaims {
    /** No claims file: every agent keeps what it claims. */
    public static final AgentClaims ANY = new AgentClaims(null);

    private final Map<String, AgentIdentifiers> allowed;

    private AgentClaims(Map<String, AgentIdentifiers> allowed) {
        this.allowed = allowed;
    }

    /**
     * Reads a claims file.
     *
     * @throws IOException if it cannot be read
     * @throws IllegalArgumentException naming the line that is not valid
     */
    public static AgentClaims load(Path file) throws IOException {
        return parse(Files.readAllLines(file, StandardCharsets.UTF_8));
    }

    /**
     * Parses the lines of a claims file.
     *
     * @throws IllegalArgumentException naming the line that is not valid
     */
    static AgentClaims parse(List<String> lines) {
        Map<String, AgentIdentifiers> allowed = new HashMap<>();
        Map<String, Integer> lineOf = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int n = i + 1;
            String[] parts = line.split("\\s+", 2);
            String id = parts[0];
            Integer earlier = lineOf.putIfAbsent(id, n);
            if (earlier != null) {
                throw new IllegalArgumentException("line " + n + ": agent " + id + " is listed on line " + earlier
                        + " already");
            }
            try {
                allowed.put(id, parts.length == 1 ? AgentIdentifiers.NONE : AgentIdentifiers.parse(parts[1]));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("line " + n + ": " + e.getMessage(), e);
            }
        }
        return new AgentClaims(Map.copyOf(allowed));
    }

    /** Whether a file restricts claims (else every claim stands). */
    public boolean isRestricting() {
        return allowed != null;
    }

    /** How many agents the file lists. */
    public int agentCount() {
        return allowed == null ? 0 : allowed.size();
    }

    /** Splits what agent {@code agentId} claims into what it may keep and what is refused. */
    public Restriction restrict(String agentId, AgentIdentifiers claimed) {
        if (allowed == null) {
            return new Restriction(claimed, AgentIdentifiers.NONE);
        }
        AgentIdentifiers may = allowed.getOrDefault(agentId, AgentIdentifiers.NONE);
        Set<String> hosts = new LinkedHashSet<>();
        Set<String> refusedHosts = new LinkedHashSet<>();
        for (String host : claimed.hosts()) {
            (may.hosts().contains(host) ? hosts : refusedHosts).add(host);
        }
        Set<InetAddress> addresses = new LinkedHashSet<>();
        Set<InetAddress> refusedAddresses = new LinkedHashSet<>();
        for (InetAddress address : claimed.addresses()) {
            (may.addresses().contains(address) ? addresses : refusedAddresses).add(address);
        }
        List<Cidr> cidrs = new ArrayList<>();
        List<Cidr> refusedCidrs = new ArrayList<>();
        for (Cidr cidr : claimed.cidrs()) {
            (may.cidrs().stream().anyMatch(c -> c.contains(cidr)) ? cidrs : refusedCidrs).add(cidr);
        }
        boolean defaultRoute = claimed.defaultRoute() && may.defaultRoute();
        return new Restriction(new AgentIdentifiers(hosts, addresses, cidrs, defaultRoute),
                new AgentIdentifiers(refusedHosts, refusedAddresses, refusedCidrs,
                        claimed.defaultRoute() && !may.defaultRoute()));
    }

    /**
     * An agent's claims after the check.
     *
     * @param kept    what the agent may claim and is routed by
     * @param refused what it claimed beyond that ({@link AgentIdentifiers#NONE} if nothing)
     */
    public record Restriction(AgentIdentifiers kept, AgentIdentifiers refused) {
    }
}
