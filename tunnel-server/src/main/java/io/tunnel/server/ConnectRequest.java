package io.tunnel.server;

import io.netty.util.NetUtil;

/**
 * A parsed {@code CONNECT host:port HTTP/1.x} request head.
 *
 * @param host               the target host without brackets (an IPv6 literal is bare)
 * @param port               the target port, 1–65535
 * @param agentId            the agent the client asked for with a {@code Tunnel-Agent} header, or {@code null} (the
 *                           routing strategies choose)
 * @param proxyAuthorization the value of the request's one {@code Proxy-Authorization} header, without the spaces
 *                           around it, at most {@link FrontendRequestDecoder#MAX_PROXY_AUTHORIZATION} characters; or
 *                           {@code null} without one. {@link ProxyAuthenticator} reads it; it is a secret, never logged
 *                           (not even by {@link #toString()})
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

    /** The same request, with the {@code Proxy-Authorization} header {@code value} (or none, if {@code null}). */
    public ConnectRequest withProxyAuthorization(String value) {
        return new ConnectRequest(host, port, agentId, value);
    }

    /** The request without its credentials: whether it has them, never what they are. */
    @Override
    public String toString() {
        return "ConnectRequest[" + authority() + (agentId == null ? "" : ", agent " + agentId)
                + (proxyAuthorization == null ? "" : ", with Proxy-Authorization") + "]";
    }
}
