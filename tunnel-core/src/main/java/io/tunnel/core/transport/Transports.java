package io.tunnel.core.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * Chooses the native epoll transport where it loads and NIO elsewhere, so every side uses the same one.
 */
public final class Transports {
    /** {@code TCP_CLOSE} of Linux's {@code tcp_states.h}. */
    private static final int TCP_CLOSE = 7;
    private static final boolean EPOLL = Epoll.isAvailable();

    private Transports() {
    }

    /** A group of {@code threads} event loops (0 = Netty's default, twice the cores), threads named {@code name}. */
    public static EventLoopGroup newGroup(int threads, String name) {
        IoHandlerFactory factory = EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true), factory);
    }

    public static Class<? extends ServerSocketChannel> serverChannel() {
        return EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    public static Class<? extends SocketChannel> socketChannel() {
        return EPOLL ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    /**
     * Keeps at most {@code bytes} of written-but-unsent data in the kernel for this socket (TCP_NOTSENT_LOWAT, epoll
     * only), so data queued behind a bulk stream waits in Netty, where the link can still interleave it, not in a
     * send buffer of several MiB.
     */
    public static void limitUnsentBytes(Channel channel, long bytes) {
        if (channel instanceof EpollSocketChannel) {
            channel.config().setOption(EpollChannelOption.TCP_NOTSENT_LOWAT, bytes);
        }
    }

    /**
     * The kernel's smoothed round-trip time of this TCP connection in nanoseconds (epoll: {@code TCP_INFO}), or -1
     * where the transport cannot tell. Measured from segments to their ACKs, it leaves out the time data waits to be
     * read by the application at either end.
     */
    public static long kernelRttNanos(Channel channel) {
        if (channel instanceof EpollSocketChannel epoll && epoll.isActive()) {
            long micros = epoll.tcpInfo().rtt();
            return micros > 0 ? micros * 1_000 : -1;
        }
        return -1;
    }

    /**
     * Whether the kernel has this TCP connection closed (epoll: {@code TCP_INFO} state {@code TCP_CLOSE}, e.g. after
     * the peer's reset); {@code false} where the transport cannot tell. For a socket whose input ended, the only way to
     * learn of a reset without writing: epoll no longer reports reads on it.
     */
    public static boolean isTcpClosed(Channel channel) {
        return channel instanceof EpollSocketChannel epoll && epoll.isOpen() && epoll.tcpInfo().state() == TCP_CLOSE;
    }

    /** Whether {@link #isTcpClosed} can tell anything for this channel (epoll only). */
    public static boolean canReadTcpState(Channel channel) {
        return channel instanceof EpollSocketChannel;
    }

    /**
     * Half-closes a socket's output after what was written before it: TLS close_notify first where the channel speaks
     * TLS, then TCP FIN. A channel that cannot half-close is closed.
     */
    public static ChannelFuture shutdownOutput(Channel channel) {
        if (!(channel instanceof DuplexChannel duplex)) {
            return channel.close();
        }
        SslHandler ssl = channel.pipeline().get(SslHandler.class);
        if (ssl == null) {
            return duplex.shutdownOutput();
        }
        ChannelPromise done = channel.newPromise();
        ssl.closeOutbound().addListener(f -> duplex.shutdownOutput(done));
        return done;
    }

    public static String name() {
        return EPOLL ? "epoll" : "nio";
    }
}
