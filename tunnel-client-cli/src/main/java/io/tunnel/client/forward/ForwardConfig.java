package io.tunnel.client.forward;

import io.netty.util.NetUtil;
import io.tunnel.client.TunnelClientConfig;
import java.net.InetSocketAddress;

/**
 * A local port-forward through the tunnel.
 *
 * @param listen     where to accept local connections (port 0 picks a free port)
 * @param targetHost the destination host, as the agent resolves it
 * @param targetPort the destination port
 * @param proxy      how to reach the proxy
 */
public record ForwardConfig(InetSocketAddress listen, String targetHost, int targetPort, TunnelClientConfig proxy) {

    /** The target as {@code host:port}. */
    public String target() {
        return NetUtil.toSocketAddressString(targetHost, targetPort);
    }
}
