package io.tunnel.server;

import io.netty.util.NetUtil;

/**
 * A parsed {@code CONNECT host:port HTTP/1.x} request head.
 *
 * @param host the target host without brackets (an IPv6 literal is bare)
 * @param port the target port, 1–65535
 */
public record ConnectRequest(String host, int port) {
    /** {@code host:port}, with brackets around an IPv6 literal. */
    public String authority() {
        return NetUtil.toSocketAddressString(host, port);
    }
}
