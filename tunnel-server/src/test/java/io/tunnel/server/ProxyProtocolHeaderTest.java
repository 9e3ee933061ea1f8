package io.tunnel.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The PROXY protocol v2 header the SNI frontend sends ahead of a client's bytes. */
class ProxyProtocolHeaderTest {
    /** The v2 signature (proxy-protocol.txt §2.2). */
    private static final String SIGNATURE = "0d0a0d0a000d0a515549540a";

    private EmbeddedChannel frontend;

    @AfterEach
    void close() {
        frontend.finishAndReleaseAll();
    }

    private ByteBuf header(String client, int clientPort, String local, int localPort) throws Exception {
        frontend = new TcpEmbeddedChannel(new InetSocketAddress(client, clientPort),
                new InetSocketAddress(local, localPort));
        frontend.register();
        return ProxyProtocolHeader.of(frontend);
    }

    /** What a header says, as Netty's decoder reads it. */
    private record Decoded(HAProxyProtocolVersion version, HAProxyCommand command, HAProxyProxiedProtocol protocol,
                           String source, int sourcePort, String destination, int destinationPort) {
    }

    private static Decoded decode(ByteBuf header) {
        EmbeddedChannel decoder = new EmbeddedChannel(new HAProxyMessageDecoder());
        decoder.writeInbound(header);
        HAProxyMessage message = decoder.readInbound();
        decoder.finishAndReleaseAll();
        try {
            return new Decoded(message.protocolVersion(), message.command(), message.proxiedProtocol(),
                    message.sourceAddress(), message.sourcePort(), message.destinationAddress(),
                    message.destinationPort());
        } finally {
            message.release();
        }
    }

    @Test
    void anIpv4ClientIsCarriedAsTcp4WithTheAddressItReached() throws Exception {
        ByteBuf header = header("192.0.2.7", 40123, "10.96.0.2", 443);
        assertThat(ByteBufUtil.hexDump(header)).isEqualTo(SIGNATURE
                + "21" + "11" + "000c" // v2 PROXY, TCP over IPv4, 12 bytes of addresses
                + "c0000207" + "0a600002" + "9cbb" + "01bb");
        assertThat(decode(header)).isEqualTo(new Decoded(HAProxyProtocolVersion.V2, HAProxyCommand.PROXY,
                HAProxyProxiedProtocol.TCP4, "192.0.2.7", 40123, "10.96.0.2", 443));
    }

    @Test
    void anIpv6ClientIsCarriedAsTcp6() throws Exception {
        assertThat(decode(header("2001:db8::7", 40123, "fd00::2", 443))).isEqualTo(new Decoded(
                HAProxyProtocolVersion.V2, HAProxyCommand.PROXY, HAProxyProxiedProtocol.TCP6, "2001:db8:0:0:0:0:0:7",
                40123, "fd00:0:0:0:0:0:0:2", 443));
    }

    @Test
    void anIpv4ClientOfAnIpv6ListenerIsCarriedIpv4Mapped() throws Exception {
        assertThat(decode(header("192.0.2.7", 40123, "fd00::2", 443))).isEqualTo(new Decoded(
                HAProxyProtocolVersion.V2, HAProxyCommand.PROXY, HAProxyProxiedProtocol.TCP6, "0:0:0:0:0:ffff:c000:207",
                40123, "fd00:0:0:0:0:0:0:2", 443));
    }
}
