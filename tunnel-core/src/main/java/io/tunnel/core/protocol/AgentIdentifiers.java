package io.tunnel.core.protocol;

import io.netty.util.NetUtil;
import io.tunnel.core.net.Cidr;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What an agent says it can reach, in Konnectivity's {@code --agent-identifiers} syntax and sent as HELLO's
 * attributes: {@code host=db.internal&ipv4=10.0.0.5&ipv6=fd00::5&cidr=10.0.0.0/16&default-route=true}, each key
 * repeatable. Host names compare case-insensitively and without a trailing dot; addresses by value.
 *
 * @param hosts        DNS names (lower case, no trailing dot)
 * @param addresses    IPv4 and IPv6 addresses ({@code ipv4=}, {@code ipv6=})
 * @param cidrs        networks ({@code cidr=})
 * @param defaultRoute whether the agent takes destinations nothing else claims ({@code default-route=true})
 */
public record AgentIdentifiers(Set<String> hosts, Set<InetAddress> addresses, List<Cidr> cidrs,
                               boolean defaultRoute) {
    public static final AgentIdentifiers NONE = new AgentIdentifiers(Set.of(), Set.of(), List.of(), false);

    private static final String HOST = "host";
    private static final String IPV4 = "ipv4";
    private static final String IPV6 = "ipv6";
    private static final String CIDR = "cidr";
    private static final String DEFAULT_ROUTE = "default-route";

    public AgentIdentifiers {
        hosts = Set.copyOf(hosts);
        addresses = Set.copyOf(addresses);
        cidrs = List.copyOf(cidrs);
    }

    /**
     * Parses identifiers as an operator writes them ({@code --agent-identifiers}): an unknown key is an error.
     *
     * @throws IllegalArgumentException naming the first key or value that is not valid
     */
    public static AgentIdentifiers parse(String text) {
        return parse(text, false);
    }

    /**
     * Parses the attributes of a HELLO: keys this version does not know are ignored, as the protocol asks (a later
     * agent may say more), while a known key with a bad value is still an error.
     *
     * @throws IllegalArgumentException naming the first value that is not valid
     */
    public static AgentIdentifiers parseHello(String attributes) {
        return parse(attributes, true);
    }

    private static AgentIdentifiers parse(String text, boolean ignoreUnknownKeys) {
        Set<String> hosts = new LinkedHashSet<>();
        Set<InetAddress> addresses = new LinkedHashSet<>();
        List<Cidr> cidrs = new ArrayList<>();
        boolean defaultRoute = false;
        for (Map.Entry<String, List<String>> entry : HelloAttributes.parse(text).entrySet()) {
            for (String value : entry.getValue()) {
                switch (entry.getKey()) {
                    case HOST -> hosts.add(normalizeHost(value));
                    case IPV4 -> addresses.add(address(value, 4, IPV4));
                    case IPV6 -> addresses.add(address(value, 16, IPV6));
                    case CIDR -> cidrs.add(Cidr.parse(value));
                    case DEFAULT_ROUTE -> {
                        if (!value.equals("true") && !value.equals("false")) {
                            throw new IllegalArgumentException("default-route must be true or false, not '" + value
                                    + "'");
                        }
                        defaultRoute |= value.equals("true");
                    }
                    default -> {
                        if (!ignoreUnknownKeys) {
                            throw new IllegalArgumentException("unknown identifier '" + entry.getKey()
                                    + "' (host, ipv4, ipv6, cidr, default-route)");
                        }
                    }
                }
            }
        }
        return new AgentIdentifiers(hosts, addresses, cidrs, defaultRoute);
    }

    /** A destination host as identifiers compare it: lower case, without a trailing dot. */
    public static String normalizeHost(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
    }

    private static InetAddress address(String value, int length, String key) {
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(value);
        if (bytes == null || bytes.length != length) {
            throw new IllegalArgumentException(key + " '" + value + "' is not an IPv" + (length == 4 ? "4" : "6")
                    + " address");
        }
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(key + " '" + value + "': " + e.getMessage(), e);
        }
    }

    public boolean isEmpty() {
        return hosts.isEmpty() && addresses.isEmpty() && cidrs.isEmpty() && !defaultRoute;
    }

    /** The identifiers in their wire syntax, canonical (the inverse of {@link #parse}). */
    public String format() {
        Map<String, List<String>> pairs = new LinkedHashMap<>();
        hosts.forEach(h -> pairs.computeIfAbsent(HOST, k -> new ArrayList<>()).add(h));
        addresses.forEach(a -> pairs.computeIfAbsent(a.getAddress().length == 4 ? IPV4 : IPV6,
                k -> new ArrayList<>()).add(NetUtil.toAddressString(a)));
        cidrs.forEach(c -> pairs.computeIfAbsent(CIDR, k -> new ArrayList<>()).add(c.toString()));
        if (defaultRoute) {
            pairs.put(DEFAULT_ROUTE, List.of("true"));
        }
        return HelloAttributes.format(pairs);
    }

    @Override
    public String toString() {
        return format();
    }
}
