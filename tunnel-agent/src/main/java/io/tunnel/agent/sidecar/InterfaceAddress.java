package io.tunnel.agent.sidecar;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.util.NetUtil;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.List;

/**
 * A host address ({@code /32} or {@code /128}) on a network interface, managed with {@code ip}. Presence is read from
 * {@code ip -j addr show} (JSON), matching address and prefix length exactly: the same address with another prefix
 * length is a different address to the kernel.
 *
 * @param device  the interface, e.g. {@code lo}
 * @param address the address to keep on it
 */
public record InterfaceAddress(String device, InetAddress address) implements NetworkItem {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** {@code 32} for IPv4, {@code 128} for IPv6: one address, no subnet. */
    public int prefixLength() {
        return hostPrefixLength(address);
    }

    /** The address with its prefix length, as {@code ip} takes it and prints it. */
    public String cidr() {
        return hostCidr(address);
    }

    static int hostPrefixLength(InetAddress address) {
        return address instanceof Inet6Address ? 128 : 32;
    }

    /** {@code address} as a one-address network, {@code 10.96.0.2/32}, the way ip and iptables print it. */
    static String hostCidr(InetAddress address) {
        return NetUtil.toAddressString(address) + "/" + hostPrefixLength(address);
    }

    @Override
    public boolean isPresent(CommandRunner runner) throws SidecarException {
        CommandRunner.Result result = runner.run(List.of("ip", "-j", "addr", "show", "dev", device));
        if (!result.isSuccess()) {
            throw new SidecarException("cannot list the addresses of " + device + ": " + result.failure());
        }
        JsonNode links;
        try {
            links = JSON.readTree(result.stdout());
        } catch (JsonProcessingException e) {
            throw new SidecarException("cannot read the addresses of " + device + ": ip printed no JSON", e);
        }
        for (JsonNode link : links) {
            for (JsonNode info : link.path("addr_info")) {
                if (info.path("prefixlen").asInt(-1) == prefixLength() && sameAddress(info.path("local").asText())) {
                    return true;
                }
            }
        }
        return false;
    }

    private boolean sameAddress(String text) {
        return address.equals(NetUtil.createInetAddressFromIpAddressString(text));
    }

    @Override
    public void add(CommandRunner runner) throws SidecarException {
        run(runner, "add");
    }

    @Override
    public void remove(CommandRunner runner) throws SidecarException {
        run(runner, "del");
    }

    private void run(CommandRunner runner, String verb) throws SidecarException {
        CommandRunner.Result result = runner.run(List.of("ip", "addr", verb, cidr(), "dev", device));
        if (!result.isSuccess()) {
            throw new SidecarException("ip addr " + verb + " " + cidr() + " dev " + device + " failed: "
                    + result.failure());
        }
    }

    @Override
    public String toString() {
        return cidr() + " on " + device;
    }
}
