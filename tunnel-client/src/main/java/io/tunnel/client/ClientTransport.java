package io.tunnel.client;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * The transport of the client's own event loops: NIO, not {@code io.tunnel.core.transport.Transports}' epoll.
 *
 * <p>Why: Netty 4.2.18's {@code EpollIoHandler} removes a channel from epoll ({@code EPOLL_CTL_DEL}) when it has no
 * interest left (input shut down, AUTO_READ off, nothing waiting to be written) but keeps it marked as added, so
 * the next interest change ({@code EPOLL_CTL_MOD} for a read or for a write that fills the socket buffer) fails
 * with ENOENT and closes the channel. A half-closed tunnel with backpressure is exactly that state (see
 * {@code TunnelClientChannelTest#halfClosedTunnelStillCarriesALargeUpload}). Channels on a group a user passes in
 * get the matching class ({@link #socketChannel(EventLoopGroup)}), epoll included.
 */
public final class ClientTransport {
    private ClientTransport() {
    }

    /** A group of {@code threads} NIO event loops (0 = Netty's default), daemon threads named {@code name}. */
    public static EventLoopGroup newGroup(int threads, String name) {
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true),
                NioIoHandler.newFactory());
    }

    /** The socket channel class of the transport {@code group} runs (epoll or NIO). */
    public static Class<? extends SocketChannel> socketChannel(EventLoopGroup group) {
        if (group instanceof IoEventLoopGroup io) {
            if (io.isIoType(NioIoHandler.class)) {
                return NioSocketChannel.class;
            }
            if (io.isIoType(EpollIoHandler.class)) {
                return EpollSocketChannel.class;
            }
            throw new IllegalArgumentException("tunnel client needs an epoll or NIO event loop group");
        }
        return NioSocketChannel.class;
    }

    /** The server socket channel class of the transport {@code group} runs (epoll or NIO). */
    public static Class<? extends ServerSocketChannel> serverChannel(EventLoopGroup group) {
        return socketChannel(group) == EpollSocketChannel.class ? EpollServerSocketChannel.class
                : NioServerSocketChannel.class;
    }
}
