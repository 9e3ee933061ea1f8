package io.tunnel.agent.sidecar;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Everything a {@link Sidecar} needs, fixed before it starts.
 *
 * @param ipAddress          the address the apiserver proxy listens on (Gardener: 10.96.0.2)
 * @param serviceIpAddress   the kubernetes service's address, also kept on the interface; {@code null} for none
 * @param device             the interface both addresses go on
 * @param port               the proxy's port, in the iptables rules
 * @param setupIptables      keep the five iptables rules of {@link IptablesRule#forProxy} too
 * @param cleanup            on shutdown, remove what this sidecar added
 * @param daemon             keep checking every {@code syncInterval}; otherwise set everything up once and exit
 * @param syncInterval       time between two checks
 */
public record SidecarConfig(
        InetAddress ipAddress,
        InetAddress serviceIpAddress,
        String device,
        int port,
        boolean setupIptables,
        boolean cleanup,
        boolean daemon,
        Duration syncInterval) {

    /** What to keep in place, in the order it is checked: the addresses, then the rules. */
    public List<NetworkItem> items() {
        Set<InetAddress> addresses = new LinkedHashSet<>();
        addresses.add(ipAddress);
        if (serviceIpAddress != null) {
            addresses.add(serviceIpAddress);
        }
        List<NetworkItem> items = new ArrayList<>();
        for (InetAddress address : addresses) {
            items.add(new InterfaceAddress(device, address));
        }
        if (setupIptables) {
            items.addAll(IptablesRule.forProxy(ipAddress, port));
        }
        return List.copyOf(items);
    }
}
