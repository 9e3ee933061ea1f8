package io.tunnel.core.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.unix.ServerDomainSocketChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.NettyRuntime;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

/**
 * Chooses the native epoll transport where it loads and NIO elsewhere, so every side uses the same one.
 */
public final class Transports {
    private static final InternalLogger LOG = InternalLoggerFactory.getInstance(Transports.class);
    /** {@code TCP_CLOSE} of Linux's {@code tcp_states.h}. */
    private static final int TCP_CLOSE = 7;
    private static final boolean EPOLL = Epoll.isAvailable();

    private Transports() {
    }

    /**
     * Event loops for a process that can use at most {@code useful} of them: one per core up to that, at least one.
     * Netty's own default (twice the cores) sizes a group from the machine; a stream's sockets all live on its link's
     * loop, so loops beyond the cores (or, on the agent, beyond its links) only hold threads and their caches.
     */
    public static int ioThreads(int useful) {
        return Math.max(1, Math.min(useful, NettyRuntime.availableProcessors()));
    }

    /**
     * A group of {@code threads} event loops (0 = Netty's default, twice the cores), threads named {@code name}. With
     * epoll, its loops carry the {@link EpollInterestFix}. An error that ends one of its loops, or that reaches a handler
     * as a fatal error ({@link FatalErrors}), ends the process ({@link FatalErrorHandler#HALT}): a process that lost a
     * loop would stay up and serve nothing.
     */
    public static IoEventLoopGroup newGroup(int threads, String name) {
        return newGroup(threads, name, FatalErrorHandler.HALT);
    }

    /** {@link #newGroup(int, String)} with another answer to fatal errors, for tests. */
    public static IoEventLoopGroup newGroup(int threads, String name, FatalErrorHandler onFatalError) {
        return newGroup(threads, name, EPOLL ? new EpollInterestFix() : NioIoHandler.newFactory(), onFatalError);
    }

    static IoEventLoopGroup newGroup(int threads, String name, IoHandlerFactory factory,
                                   FatalErrorHandler onFatalError) {
        return new FatalErrorEventLoop.Group(threads, new DefaultThreadFactory(name, true), factory, onFatalError);
    }

    /** The socket channel class of the transport {@code group} runs: epoll or NIO. */
    public static Class<? extends SocketChannel> socketChannel(EventLoopGroup group) {
        return isEpoll(group) ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    /** The server socket channel class of the transport {@code group} runs: epoll or NIO. */
    public static Class<? extends ServerSocketChannel> serverChannel(EventLoopGroup group) {
        return isEpoll(group) ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    /**
     * The Unix domain socket server channel class for {@code group}, which must run epoll: Netty serves domain sockets
     * on its native transports only.
     *
     * @throws IllegalStateException if {@code group} runs NIO (epoll did not load: the reason is in the message)
     */
    public static Class<? extends ServerDomainSocketChannel> serverDomainSocketChannel(EventLoopGroup group) {
        if (!isEpoll(group)) {
            throw new IllegalStateException("a Unix domain socket needs the native epoll transport (Linux), "
                    + "which did not load: " + Epoll.unavailabilityCause());
        }
        return EpollServerDomainSocketChannel.class;
    }

    private static boolean isEpoll(EventLoopGroup group) {
        if (group instanceof IoEventLoopGroup io) {
            if (io.isIoType(EpollInterestFix.Handler.class) || io.isIoType(EpollIoHandler.class)) {
                return true;
            }
            if (io.isIoType(NioIoHandler.class)) {
                return false;
            }
        }
        throw new IllegalArgumentException("the tunnel needs an epoll or NIO event loop group, not " + group);
    }

    /** The server socket channel class of the process-wide transport: epoll where it loads, NIO elsewhere. */
    public static Class<? extends ServerSocketChannel> serverChannel() {
        return EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    /** The socket channel class of the process-wide transport: epoll where it loads, NIO elsewhere. */
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

    /**
     * Closes a socket abortively: its peer sees a reset (TCP RST through {@code SO_LINGER} 0), never a clean end, and a
     * TLS socket sends no close_notify (the close starts below the {@link SslHandler}), so a peer that reads until the
     * end of the stream can tell truncation from completion. A Unix domain socket has no reset: it is just closed.
     */
    public static ChannelFuture abort(Channel channel) {
        if (!channel.isOpen()) {
            return channel.newSucceededFuture();
        }
        if (channel instanceof SocketChannel) {
            try {
                channel.config().setOption(ChannelOption.SO_LINGER, 0);
            } catch (ChannelException e) {
                // Some systems refuse the option on a socket the peer already reset; it is closed all the same.
                LOG.debug("{}: SO_LINGER not set: {}", channel, e.toString());
            }
        }
        ChannelHandlerContext tls = channel.pipeline().context(SslHandler.class);
        return tls != null ? tls.close() : channel.close();
    }

    /**
     * Re-registers {@code channel} with {@code target}, so that it shares a thread with whatever else runs there (the
     * server moves each frontend connection onto its agent link's loop). The returned future is notified by the thread
     * that settles the move, with no hop to another loop: the target's once the channel is registered there, or the
     * loop the channel leaves if the target refuses the registration (shutting down), so a failure is heard of even
     * then, and the channel is registered nowhere. Its listeners must not block, and nothing may wait for it. Call it
     * on the channel's loop with AUTO_READ off.
     */
    public static ChannelFuture moveTo(Channel channel, EventLoop target) {
        if (channel.eventLoop() == target) {
            return channel.newSucceededFuture();
        }
        ChannelPromise moved = new DefaultChannelPromise(channel, ImmediateEventExecutor.INSTANCE);
        channel.deregister().addListener(deregistered -> {
            if (deregistered.isSuccess()) {
                target.register(moved);
            } else {
                moved.setFailure(deregistered.cause());
            }
        });
        return moved;
    }

    /** The process-wide transport's name for logs: {@code epoll} or {@code nio}. */
    public static String name() {
        return EPOLL ? "epoll" : "nio";
    }
}
