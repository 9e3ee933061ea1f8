package io.tunnel.agent.policy;

import io.tunnel.core.net.Cidr;
import java.net.InetAddress;

/**
 * One destination rule: a network and a port range. Written {@code 10.0.0.0/8} (every port), {@code 10.1.2.3/32:443},
 * {@code 10.1.2.3:8000-8999}, {@code [fd00::]/8:8000-8999} or {@code [fd00::1]:22} (an IPv6 network with ports in
 * brackets), a bare address meaning that one host.
 *
 * @param network  the addresses the rule covers
 * @param fromPort lowest port covered (1 when the rule names none)
 * @param toPort   highest port covered (65535 when the rule names none)
 */
public record DestinationRule(Cidr network, int fromPort, int toPort) {
    private static final int MAX_PORT = 65_535;

    public DestinationRule {
        if (fromPort < 1 || toPort > MAX_PORT || fromPort > toPort) {
            throw new IllegalArgumentException("port range " + fromPort + "-" + toPort + " is not within 1-65535");
        }
    }

    /**
     * Parses a rule.
     *
     * @throws IllegalArgumentException with the reason, naming the rule
     */
    public static DestinationRule parse(String text) {
        String rule = text.trim();
        try {
            String network;
            String ports = null;
            if (rule.startsWith("[")) {
                int close = rule.indexOf(']');
                if (close < 0) {
                    throw new IllegalArgumentException("no closing ]");
                }
                network = rule.substring(1, close);
                String rest = rule.substring(close + 1);
                int colon = rest.lastIndexOf(':');
                if (colon >= 0) {
                    ports = rest.substring(colon + 1);
                    rest = rest.substring(0, colon);
                }
                network += rest; // the prefix, when it follows the bracket: [fd00::]/8
            } else if (rule.indexOf(':') != rule.lastIndexOf(':')) {
                network = rule; // IPv6 without a port
            } else {
                int colon = rule.indexOf(':');
                network = colon < 0 ? rule : rule.substring(0, colon);
                ports = colon < 0 ? null : rule.substring(colon + 1);
            }
            Cidr cidr = Cidr.parse(network);
            if (ports == null) {
                return new DestinationRule(cidr, 1, MAX_PORT);
            }
            int dash = ports.indexOf('-');
            int from = port(dash < 0 ? ports : ports.substring(0, dash));
            int to = dash < 0 ? from : port(ports.substring(dash + 1));
            return new DestinationRule(cidr, from, to);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("destination rule '" + text + "': " + e.getMessage(), e);
        }
    }

    private static int port(String text) {
        if (text.isEmpty() || text.length() > 5 || !text.chars().allMatch(Character::isDigit)) {
            throw new IllegalArgumentException("'" + text + "' is not a port");
        }
        return Integer.parseInt(text);
    }

    /** Whether the rule covers {@code address} and {@code port}. */
    public boolean matches(InetAddress address, int port) {
        return port >= fromPort && port <= toPort && network.contains(address);
    }

    /** The rule as it parses back: {@code 10.0.0.0/8}, {@code 10.1.2.3/32:443}, {@code [fd00::/8]:8000-8999}. */
    @Override
    public String toString() {
        if (fromPort == 1 && toPort == MAX_PORT) {
            return network.toString();
        }
        String net = network.isIpv4() ? network.toString() : "[" + network + "]";
        return net + ':' + (fromPort == toPort ? Integer.toString(fromPort) : fromPort + "-" + toPort);
    }
}
