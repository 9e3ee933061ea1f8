package io.tunnel.server;

import io.netty.util.NetUtil;

/**
 * A parsed {@code CONNECT host:port HTTP/1.x} request head.
 *
 * @param host    the target host without brackets (an IPv6 literal is bare)
 * @param port    the target port, 1–65535
 * @param agentId the agent the client asked for with a {@code Tunnel-Agent} header, or {@code null} (the routing
 *                strategies choose)
 */
public record ConnectRequest(String host, int port, String agentId) {
    /** A request without a {@code Tunnel-Agent} header. */
    public ConnectRequest(String host, int port) {
        this(host, port, null);
    }

    /** {@code host:port}, with brackets around an IPv6 literal. */
    public String authority() {
        return NetUtil.toSocketAddressString(host, port);
    }

    /** The same request, for the agent {@code id}. */
    public ConnectRequest withAgent(String id) {
        return new ConnectRequest(host, port, id);
    }
}
