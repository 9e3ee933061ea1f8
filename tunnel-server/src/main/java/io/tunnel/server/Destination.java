package io.tunnel.server;

import io.netty.util.NetUtil;
import io.tunnel.core.protocol.AgentIdentifiers;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * A CONNECT target as the routing strategies compare it: the host normalized as identifiers are
 * ({@link AgentIdentifiers#normalizeHost}), and its address when the host is an IP literal. A name is never
 * resolved: the server cannot know what it means inside the agents' networks.
 *
 * @param host    lower case, without a trailing dot
 * @param address the IP literal's address, {@code null} for a name
 */
record Destination(String host, InetAddress address) {
    static Destination of(ConnectRequest request) {
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(request.host());
        InetAddress address = null;
        if (bytes != null) {
            try {
                address = InetAddress.getByAddress(bytes); // no lookup: a literal's bytes
            } catch (UnknownHostException e) {
                throw new IllegalStateException("4 or 16 bytes are an address", e);
            }
        }
        return new Destination(AgentIdentifiers.normalizeHost(request.host()), address);
    }
}
