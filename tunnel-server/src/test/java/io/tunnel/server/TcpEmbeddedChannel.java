package io.tunnel.server;

import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/** An {@link EmbeddedChannel} with the addresses of a TCP connection, not yet registered. */
final class TcpEmbeddedChannel extends EmbeddedChannel {
    private final InetSocketAddress client;
    private final InetSocketAddress local;

    TcpEmbeddedChannel(InetSocketAddress client, InetSocketAddress local) {
        super(false, false);
        this.client = client;
        this.local = local;
    }

    @Override
    protected SocketAddress remoteAddress0() {
        return client;
    }

    @Override
    protected SocketAddress localAddress0() {
        return local;
    }
}
