package io.tunnel.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.NetUtil;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * The PROXY protocol v2 header (HAProxy's {@code proxy-protocol.txt} §2.2) that tells a destination which client a
 * relayed connection comes from: command PROXY, TCP over IPv4 or IPv6, the client's address and port as source and
 * the frontend address it reached as destination. Netty's codec-haproxy encodes it.
 */
final class ProxyProtocolHeader {
    private ProxyProtocolHeader() {
    }

    /** The header for the client connection {@code frontend}, in a buffer of its allocator. */
    static ByteBuf of(Channel frontend) {
        InetSocketAddress client = (InetSocketAddress) frontend.remoteAddress();
        InetSocketAddress reached = (InetSocketAddress) frontend.localAddress();
        // Both addresses in one family: an IPv4 address beside an IPv6 one is written IPv4-mapped.
        boolean v4 = client.getAddress() instanceof Inet4Address && reached.getAddress() instanceof Inet4Address;
        HAProxyMessage message = new HAProxyMessage(HAProxyProtocolVersion.V2, HAProxyCommand.PROXY,
                v4 ? HAProxyProxiedProtocol.TCP4 : HAProxyProxiedProtocol.TCP6,
                text(client.getAddress(), v4), text(reached.getAddress(), v4), client.getPort(), reached.getPort());
        // The encoder is an outbound handler; the frontend's outbound side leads to the client, so it runs on a
        // channel of its own, as Netty's HttpContentDecoder runs its decompressor, with the frontend's allocator.
        EmbeddedChannel encoder = new EmbeddedChannel(frontend.id(), false, frontend.config(),
                HAProxyMessageEncoder.INSTANCE);
        try {
            encoder.writeOutbound(message);
            return encoder.readOutbound();
        } finally {
            encoder.finishAndReleaseAll();
        }
    }

    /** The address as text: IPv6 (an IPv4 address mapped, RFC 4291 §2.5.5.2) unless both are IPv4. */
    private static String text(InetAddress address, boolean v4) {
        return v4 || address instanceof Inet6Address ? NetUtil.toAddressString(address)
                : "::ffff:" + address.getHostAddress();
    }
}
