package io.tunnel.server;

import io.netty.util.NetUtil;

/**
 * Where a frontend request wants a stream to: the target of a {@code CONNECT host:port HTTP/1.x}, or the
 * {@code host[:port]} of an absolute-form {@code http://} request ({@link ForwardRequest}). Routing and the checks
 * before an agent is chosen see only this.
 *
 * @param host               the target host without brackets (an IPv6 literal is bare)
 * @param port               the target port, 1–65535
 * @param agentId            the agent the client asked for with a {@code Tunnel-Agent} header, or {@code null} (the
 *                           routing strategies choose)
 * @param proxyAuthorization the request's {@code Proxy-Authorization} value as sent (its first field), or
 *                           {@code null}
 */
public record ConnectRequest(String host, int port, String agentId, String proxyAuthorization) {
    /** A request without a {@code Tunnel-Agent} or {@code Proxy-Authorization} header. */
    public ConnectRequest(String host, int port) {
        this(host, port, null, null);
    }

    /** A request without a {@code Proxy-Authorization} header. */
    public ConnectRequest(String host, int port, String agentId) {
        this(host, port, agentId, null);
    }

    /** {@code host:port}, with brackets around an IPv6 literal. */
    public String authority() {
        return NetUtil.toSocketAddressString(host, port);
    }

    /** The same request, for the agent {@code id}. */
    public ConnectRequest withAgent(String id) {
        return new ConnectRequest(host, port, id, proxyAuthorization);
    }

    /** The same request, with the {@code Proxy-Authorization} value {@code credentials}. */
    public ConnectRequest withProxyAuthorization(String credentials) {
        return new ConnectRequest(host, port, agentId, credentials);
    }

    @Override
    public String toString() { // never the credentials, wherever a request is logged
        return "ConnectRequest[" + authority() + (agentId == null ? "" : ", agent " + agentId)
                + (proxyAuthorization == null ? "" : ", with Proxy-Authorization") + ']';
    }
}
