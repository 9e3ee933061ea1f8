package io.tunnel.client.cli;

import io.netty.util.NetUtil;

/**
 * A {@code host:port} flag value; an IPv6 literal is written in brackets ({@code [::1]:8080}).
 *
 * @param host a host name or address, without brackets
 * @param port 0 to 65535
 */
public record HostPort(String host, int port) {

    /** @throws IllegalArgumentException naming what is wrong */
    public static HostPort parse(String value) {
        int colon = value.lastIndexOf(':');
        if (colon <= 0 || colon == value.length() - 1) {
            throw new IllegalArgumentException("'" + value + "' is not host:port");
        }
        String host = value.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
            if (!NetUtil.isValidIpV6Address(host)) {
                throw new IllegalArgumentException("'" + value + "' has an invalid IPv6 address");
            }
        } else if (host.indexOf(':') >= 0) {
            throw new IllegalArgumentException("'" + value + "': write an IPv6 address in brackets, [::1]:port");
        }
        int port;
        try {
            port = Integer.parseInt(value.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + value + "' has an invalid port");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("'" + value + "' has a port outside [0, 65535]");
        }
        return new HostPort(host, port);
    }

    @Override
    public String toString() {
        return NetUtil.toSocketAddressString(host, port);
    }
}
