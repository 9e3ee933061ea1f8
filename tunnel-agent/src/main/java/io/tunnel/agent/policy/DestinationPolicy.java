package io.tunnel.agent.policy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.List;

/**
 * Which destinations the agent may dial, judged on the <em>resolved</em> address (the agent then connects to
 * exactly that address, so a second lookup cannot change the answer). In order:
 * <ol>
 *   <li>a {@code --deny-destinations} rule that matches: denied;</li>
 *   <li>an {@code --allow-destinations} rule that matches: allowed;</li>
 *   <li>the built-in denials: link-local addresses ({@value #LINK_LOCAL_V4}, {@value #LINK_LOCAL_V6}: cloud metadata
 *   lives there) and the agent's own health port on its own addresses: denied;</li>
 *   <li>when allow rules were given, nothing else is allowed; otherwise everything else is.</li>
 * </ol>
 * Immutable and thread-safe.
 */
public final class DestinationPolicy {
    static final String LINK_LOCAL_V4 = "169.254.0.0/16";
    static final String LINK_LOCAL_V6 = "fe80::/10";
    private static final List<DestinationRule> LINK_LOCAL = List.of(DestinationRule.parse(LINK_LOCAL_V4),
            DestinationRule.parse(LINK_LOCAL_V6));

    private final List<DestinationRule> allow;
    private final List<DestinationRule> deny;
    private final int healthPort;

    /**
     * @param healthPort the agent's own health port (denied on the agent's own addresses), or 0 for none
     */
    public DestinationPolicy(List<DestinationRule> allow, List<DestinationRule> deny, int healthPort) {
        this.allow = List.copyOf(allow);
        this.deny = List.copyOf(deny);
        this.healthPort = healthPort;
    }

    /** The reason {@code destination} is refused, or {@code null} when it may be dialled. */
    public String refusal(InetSocketAddress destination) {
        InetAddress address = destination.getAddress();
        int port = destination.getPort();
        for (DestinationRule rule : deny) {
            if (rule.matches(address, port)) {
                return "denied by " + rule;
            }
        }
        for (DestinationRule rule : allow) {
            if (rule.matches(address, port)) {
                return null;
            }
        }
        for (DestinationRule rule : LINK_LOCAL) {
            if (rule.matches(address, port)) {
                return "link-local address (denied unless allowed explicitly)";
            }
        }
        if (healthPort > 0 && port == healthPort && isOwnAddress(address)) {
            return "the agent's own health port";
        }
        return allow.isEmpty() ? null : "not in the allowed destinations";
    }

    /**
     * Whether {@link #refusal} may ask the system for this host's network interfaces (a system call an event loop
     * should not wait for): only for the agent's own health port.
     */
    public boolean consultsInterfaces(InetSocketAddress destination) {
        return healthPort > 0 && destination.getPort() == healthPort;
    }

    private static boolean isOwnAddress(InetAddress address) {
        if (address.isAnyLocalAddress() || address.isLoopbackAddress()) {
            return true;
        }
        try {
            return NetworkInterface.getByInetAddress(address) != null;
        } catch (SocketException e) {
            return false;
        }
    }
}
