package io.tunnel.core.net;

import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.util.Arrays;

/**
 * An IPv4 or IPv6 network in CIDR notation ({@code 10.0.0.0/16}, {@code fd00::/8}, a bare address meaning /32 or
 * /128). Immutable; host bits of the written address are ignored (masked off).
 */
public final class Cidr {
    private final byte[] network;
    private final int prefix;

    private Cidr(byte[] network, int prefix) {
        this.network = network;
        this.prefix = prefix;
    }

    /**
     * Parses {@code text}.
     *
     * @throws IllegalArgumentException if it is not an IP literal with an optional {@code /prefix} in range
     */
    public static Cidr parse(String text) {
        int slash = text.indexOf('/');
        String address = slash < 0 ? text : text.substring(0, slash);
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(address);
        if (bytes == null || address.indexOf('%') >= 0) {
            throw new IllegalArgumentException("'" + text + "' is not an IP address or CIDR");
        }
        int bits = bytes.length * 8;
        int prefix = bits;
        if (slash >= 0) {
            String p = text.substring(slash + 1);
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit)) {
                throw new IllegalArgumentException("'" + text + "' has no valid prefix length");
            }
            prefix = Integer.parseInt(p);
            if (prefix > bits) {
                throw new IllegalArgumentException("'" + text + "': prefix longer than " + bits + " bits");
            }
        }
        return new Cidr(mask(bytes, prefix), prefix);
    }

    /** Whether {@code address} lies in this network (an IPv4 address never lies in an IPv6 network, nor back). */
    public boolean contains(InetAddress address) {
        return contains(address.getAddress());
    }

    private boolean contains(byte[] bytes) {
        return bytes.length == network.length && Arrays.equals(mask(bytes, prefix), network);
    }

    /** Whether every address of {@code other} lies in this network. */
    public boolean contains(Cidr other) {
        return other.prefix >= prefix && contains(other.network);
    }

    public boolean isIpv4() {
        return network.length == 4;
    }

    public int prefix() {
        return prefix;
    }

    private static byte[] mask(byte[] bytes, int prefix) {
        byte[] masked = bytes.clone();
        for (int i = 0; i < masked.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - 8 * i));
            masked[i] &= (byte) (0xFF00 >> keep);
        }
        return masked;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr c && c.prefix == prefix && Arrays.equals(c.network, network);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(network) * 31 + prefix;
    }

    @Override
    public String toString() {
        return NetUtil.bytesToIpAddress(network) + '/' + prefix;
    }
}
