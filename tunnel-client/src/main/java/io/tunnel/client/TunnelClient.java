package io.tunnel.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.BootstrapConfig;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.tunnel.core.tls.TlsContexts;
import io.tunnel.core.tls.TlsProvider;
import io.tunnel.core.transport.FatalErrorHandler;
import io.tunnel.core.transport.Transports;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * Opens tunnels through tunnel-server's HTTP CONNECT frontend: each one is a connection to the proxy on which
 * {@code CONNECT host:port} was answered {@code 200}, so what is written to it reaches the target in the private
 * network and back.
 *
 * <ul>
 *   <li>{@link #dialChannel} gives a Netty {@link Channel} (non-blocking);</li>
 *   <li>{@link #dialSocket} gives a blocking {@link Socket};</li>
 *   <li>the static {@link #dialChannel(Bootstrap, InetSocketAddress, String, int, Duration)} opens one on a bootstrap
 *       the caller configured, TLS included, without a client instance.</li>
 * </ul>
 * A refused or failed dial ends in a {@link TunnelException} naming the cause. TLS contexts are built once, by the
 * constructor. The client owns an event loop group ({@link Transports#newGroup}; started with the first
 * {@code dialChannel}) unless it was given one, which it then only uses. Thread-safe.
 */
public final class TunnelClient implements AutoCloseable {
    private static final String THREAD_NAME = "tunnel-client";
    private static final long SHUTDOWN_WAIT_SECONDS = 5;

    private final TunnelClientConfig config;
    private final SslContext sslContext;
    private final JdkTls jdkTls;
    private final ProxyResolver resolver;
    private final EventLoopGroup sharedGroup;
    private EventLoopGroup ownedGroup;
    private boolean closed;

    /**
     * A client with an event loop group of its own (epoll where it loads, NIO elsewhere; started with the first
     * {@code dialChannel}, stopped by {@link #close()}).
     *
     * @param config where the proxy is and how to reach it
     * @throws IOException if the TLS files cannot be read or used
     */
    public TunnelClient(TunnelClientConfig config) throws IOException {
        this(config, null);
    }

    /**
     * A client that opens its channels on {@code group} (epoll or NIO), which stays the caller's to shut down.
     *
     * @param config where the proxy is and how to reach it
     * @param group  the event loops for the client's channels, or {@code null} for a group of its own
     * @throws IOException              if the TLS files cannot be read or used
     * @throws IllegalArgumentException if {@code group} is neither an epoll nor a NIO group
     */
    public TunnelClient(TunnelClientConfig config, EventLoopGroup group) throws IOException {
        this.config = config;
        this.sharedGroup = group;
        if (group != null) {
            Transports.socketChannel(group); // reject an unsupported group now
        }
        if (config.isTls()) {
            TunnelClientConfig.TlsFiles tls = config.tls();
            try {
                this.sslContext = TlsContexts.client(tls.clientCert(), tls.clientKey(), tls.caCert(),
                        config.tlsProvider(), false);
                // Sockets need the JDK's SSLContext: the channel variant's one when it is the JDK's too.
                SslContext jdk = sslContext instanceof JdkSslContext ? sslContext
                        : TlsContexts.client(tls.clientCert(), tls.clientKey(), tls.caCert(), TlsProvider.JDK, false);
                this.jdkTls = new JdkTls(((JdkSslContext) jdk).context());
            } catch (IllegalArgumentException e) { // Netty's word for a PEM file it cannot use
                throw new SSLException("cannot use TLS files: " + e.getMessage(), e);
            }
        } else {
            this.sslContext = null;
            this.jdkTls = null;
        }
        this.resolver = new ProxyResolver(config.proxyHost(), config.proxyPort());
    }

    /**
     * The configuration this client was made with.
     *
     * @return the client's configuration
     */
    public TunnelClientConfig config() {
        return config;
    }

    /**
     * Opens a tunnel to {@code host:port} on an event loop of the client's group. See
     * {@link #dialChannel(String, int, EventLoop)}.
     *
     * @param host the target's host name or address, as the agent resolves it in the private network
     * @param port the target's port
     * @return the tunnel's channel, once open (AUTO_READ off), or a {@link TunnelException}
     * @throws IllegalArgumentException if {@code host} or {@code port} cannot be a CONNECT target
     * @throws IllegalStateException    if the client is closed
     */
    public Future<Channel> dialChannel(String host, int port) {
        return dialChannel(host, port, group().next());
    }

    /**
     * Opens a tunnel to {@code host:port} as a channel registered on {@code eventLoop} (which must belong to a group
     * of the same transport as the client's, e.g. the event loop of a channel being proxied).
     *
     * <p>The future completes on that event loop: with the channel once the proxy answered {@code 200}, or with a
     * {@link TunnelException}. Cancelling it closes the connection. The channel is returned with
     * <b>{@code AUTO_READ} off</b> and a clean pipeline ({@code ssl} first if the proxy is spoken to over TLS, then
     * a {@code handover} handler that removes itself on the first read). Add your handlers, then call
     * {@code channel.read()} or {@code channel.config().setAutoRead(true)}: any bytes the target sent right behind
     * the proxy's answer, and an end of input or close that came with them, are delivered to your handlers then,
     * never lost and never before your handlers are there.
     *
     * @param host      the target's host name or address, as the agent resolves it in the private network
     * @param port      the target's port
     * @param eventLoop the event loop the channel is registered on, and the future completed on
     * @return the tunnel's channel, once open (AUTO_READ off), or a {@link TunnelException}
     * @throws IllegalArgumentException if {@code host} or {@code port} cannot be a CONNECT target
     */
    public Future<Channel> dialChannel(String host, int port, EventLoop eventLoop) {
        ProxyProtocol.checkTarget(host, port);
        String target = ProxyProtocol.authority(host, port);
        Promise<Channel> promise = eventLoop.newPromise();
        long connectDeadline = System.nanoTime() + config.connectTimeout().toNanos();
        resolver.resolve(eventLoop).addListener((Future<InetSocketAddress> resolved) -> {
            if (promise.isDone()) {
                return; // cancelled while resolving
            }
            if (!resolved.isSuccess()) {
                promise.tryFailure(new ProxyUnreachableException("cannot resolve proxy host " + config.proxyHost(),
                        config.proxyAuthority(), target, resolved.cause()));
                return;
            }
            connect(resolved.getNow(), target, eventLoop, connectDeadline, promise);
        });
        return promise;
    }

    private void connect(InetSocketAddress proxy, String target, EventLoop eventLoop, long connectDeadline,
                         Promise<Channel> promise) {
        long connectMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(connectDeadline - System.nanoTime()));
        String proxyAuthority = config.proxyAuthority();
        Bootstrap bootstrap = new Bootstrap()
                .group(eventLoop)
                .channel(Transports.socketChannel(eventLoop))
                .disableResolver()
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.TCP_NODELAY, true)
                // Half-closure until the handover: an end of input that arrives before the user's first read is held
                // for the user, not turned into a close (the HandoverHandler then applies the user's choice).
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectMillis))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (sslContext != null) {
                            SslHandler ssl = TlsContexts.halfCloseHandler(sslContext, ch.alloc(), config.proxyHost(),
                                    config.proxyPort());
                            ssl.setHandshakeTimeoutMillis(config.connectTimeout().toMillis()); // backstop
                            ch.pipeline().addLast(ClientPipeline.SSL, ssl);
                        }
                        addConnectHandshake(ch.pipeline(), target, proxyAuthority, connectDeadline,
                                config.dialTimeout().toMillis(), config.allowHalfClosure(), promise);
                    }
                });
        connect(bootstrap, proxy, proxyAuthority, target, promise);
    }

    /**
     * Opens a tunnel to {@code host:port} through the proxy at {@code proxy} on a bootstrap of the caller's, for
     * programs that set up every channel themselves: their own event loops and channel class, socket options, and TLS
     * context (a pinned certificate, a session cache of their own; scripts/bench's load generator is one). The
     * bootstrap must have its group and channel class; its handler, if any, comes first in each channel's pipeline and
     * should add only what lies under the CONNECT exchange: an {@link SslHandler} if the proxy is spoken to over TLS.
     * The bootstrap itself is not changed (a copy, bound to its group's next event loop and with AUTO_READ off, is
     * connected), so one bootstrap serves any number of dials.
     *
     * <p>The future completes as {@link #dialChannel(String, int, EventLoop)}'s does: on that event loop, with the
     * channel (AUTO_READ off, pipeline {@code [ssl] → handover}) once the proxy answered {@code 200}, or with a
     * {@link TunnelException}; cancelling it closes the connection. Bounds: the bootstrap's
     * {@code CONNECT_TIMEOUT_MILLIS} for the TCP connect, the {@code SslHandler}'s handshake timeout for TLS,
     * {@code dialTimeout} for the proxy's answer.
     *
     * @param bootstrap   the caller's bootstrap, with its group and channel class; left unchanged
     * @param proxy       the proxy's address (resolved: the bootstrap's resolver is not used for it)
     * @param host        the target's host name or address, as the agent resolves it in the private network
     * @param port        the target's port
     * @param dialTimeout bound on the wait for the proxy's answer to CONNECT
     * @return the tunnel's channel, once open (AUTO_READ off), or a {@link TunnelException}
     * @throws IllegalArgumentException if {@code host} or {@code port} cannot be a CONNECT target
     */
    public static Future<Channel> dialChannel(Bootstrap bootstrap, InetSocketAddress proxy, String host, int port,
                                              Duration dialTimeout) {
        ProxyProtocol.checkTarget(host, port);
        String target = ProxyProtocol.authority(host, port);
        String proxyAuthority = NetUtil.toSocketAddressString(proxy);
        long dialTimeoutMillis = dialTimeout.toMillis();
        BootstrapConfig template = bootstrap.config();
        ChannelHandler callersHandler = template.handler();
        boolean allowHalfClosure = Boolean.TRUE.equals(template.options().get(ChannelOption.ALLOW_HALF_CLOSURE));
        EventLoop eventLoop = template.group().next();
        Promise<Channel> promise = eventLoop.newPromise();
        Bootstrap copy = bootstrap.clone(eventLoop)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true) // until the handover, as for dialChannel above
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (callersHandler != null) {
                            ch.pipeline().addLast(callersHandler);
                        }
                        addConnectHandshake(ch.pipeline(), target, proxyAuthority,
                                ConnectHandshakeHandler.NO_TLS_DEADLINE, dialTimeoutMillis, allowHalfClosure, promise);
                    }
                });
        connect(copy, proxy, proxyAuthority, target, promise);
        return promise;
    }

    /** Puts the CONNECT exchange behind what the pipeline holds (an {@link SslHandler} when TLS is spoken). */
    private static void addConnectHandshake(ChannelPipeline pipeline, String target, String proxyAuthority,
                                            long connectDeadline, long dialTimeoutMillis, boolean allowHalfClosure,
                                            Promise<Channel> promise) {
        boolean tls = pipeline.get(SslHandler.class) != null;
        pipeline.addLast(ClientPipeline.PROXY_DECODER, new ProxyResponseDecoder());
        pipeline.addLast(ClientPipeline.CONNECT_HANDSHAKE, new ConnectHandshakeHandler(target, proxyAuthority, tls,
                connectDeadline, dialTimeoutMillis, allowHalfClosure, promise));
    }

    /** Connects {@code bootstrap} to the proxy: a failed connect fails the dial, a cancelled dial closes the channel. */
    private static void connect(Bootstrap bootstrap, InetSocketAddress proxy, String proxyAuthority, String target,
                                Promise<Channel> promise) {
        ChannelFuture connected = bootstrap.connect(proxy);
        Channel channel = connected.channel();
        promise.addListener(f -> {
            if (f.isCancelled()) {
                channel.close();
            }
        });
        connected.addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                promise.tryFailure(new ProxyUnreachableException("cannot reach proxy " + proxyAuthority + ": "
                        + f.cause().getMessage(), proxyAuthority, target, f.cause()));
            }
        });
    }

    /**
     * Opens a tunnel to {@code host:port} as a blocking socket (an {@link javax.net.ssl.SSLSocket} if the proxy is
     * spoken to over TLS), positioned right after the proxy's answer: the head is read byte by byte, so the first
     * byte the socket's stream returns is the target's. The socket has no read timeout. Blocks for at most the
     * connect timeout plus the dial timeout (and the proxy's name look-up).
     *
     * @param host the target's host name or address, as the agent resolves it in the private network
     * @param port the target's port
     * @return the tunnel, a connected socket the caller closes
     * @throws TunnelException          if the proxy cannot be reached or refuses the tunnel (the subclass says why)
     * @throws IOException              if the local socket itself fails (setting an option); never for the dial
     * @throws IllegalArgumentException if {@code host} or {@code port} cannot be a CONNECT target
     */
    public Socket dialSocket(String host, int port) throws IOException {
        ProxyProtocol.checkTarget(host, port);
        String target = ProxyProtocol.authority(host, port);
        long connectDeadline = System.nanoTime() + config.connectTimeout().toNanos();
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            Socket tunnel = connectSocket(socket, target, connectDeadline);
            long dialDeadline = System.nanoTime() + config.dialTimeout().toNanos();
            try {
                OutputStream out = tunnel.getOutputStream();
                out.write(ProxyProtocol.connectRequest(target));
                out.flush();
            } catch (IOException e) {
                throw connectionLost(target, e);
            }
            ProxyResponseHead head = readHead(tunnel, target, dialDeadline);
            if (!head.isEstablished()) {
                throw ProxyProtocol.refusal(head, target);
            }
            tunnel.setSoTimeout(0);
            return tunnel;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    private Socket connectSocket(Socket socket, String target, long connectDeadline) throws IOException {
        String proxy = config.proxyAuthority();
        InetSocketAddress address;
        try {
            address = resolver.resolveNow();
        } catch (IOException e) {
            throw new ProxyUnreachableException("cannot resolve proxy host " + config.proxyHost(), proxy, target, e);
        }
        try {
            socket.connect(address, (int) config.connectTimeout().toMillis());
        } catch (IOException e) {
            throw new ProxyUnreachableException("cannot reach proxy " + proxy + ": " + e.getMessage(), proxy,
                    target, e);
        }
        if (jdkTls == null) {
            return socket;
        }
        try {
            socket.setSoTimeout(remainingMillis(connectDeadline));
            return jdkTls.handshake(socket, config.proxyHost(), config.proxyPort());
        } catch (IOException e) {
            throw new ProxyUnreachableException("TLS handshake with proxy " + proxy + " failed: " + e.getMessage(),
                    proxy, target, e);
        }
    }

    private ProxyResponseHead readHead(Socket socket, String target, long deadline) throws IOException {
        String head;
        try {
            head = ProxyResponseHead.readText(untilDeadline(socket, deadline));
        } catch (SocketTimeoutException e) {
            throw DialTimeoutException.clientSide(target, config.dialTimeout().toMillis());
        } catch (EOFException | TooLongFrameException e) {
            throw BadProxyResponseException.malformed(target, e.getMessage(), null);
        } catch (IOException e) {
            throw connectionLost(target, e);
        }
        try {
            return ProxyResponseHead.parse(head);
        } catch (IllegalArgumentException e) {
            throw BadProxyResponseException.malformed(target, e.getMessage(), null);
        }
    }

    /** The socket's input, each read bounded by what is left until {@code deadline}. */
    private static InputStream untilDeadline(Socket socket, long deadline) throws IOException {
        InputStream in = socket.getInputStream();
        return new InputStream() {
            @Override
            public int read() throws IOException {
                socket.setSoTimeout(remainingMillis(deadline));
                return in.read();
            }
        };
    }

    /**
     * The connection failed while CONNECT was sent or answered: a TLS error there is the proxy refusing the session
     * (with TLS 1.3 a refused client certificate shows only after the handshake), anything else a lost answer.
     */
    private TunnelException connectionLost(String target, IOException e) {
        if (e instanceof SSLException) {
            return new ProxyUnreachableException("TLS session with proxy " + config.proxyAuthority() + " failed: "
                    + e.getMessage(), config.proxyAuthority(), target, e);
        }
        return BadProxyResponseException.malformed(target, "connection lost: " + e.getMessage(), e);
    }

    /** What is left until {@code deadline}, at least 1 ms (0 would mean no timeout to a socket). */
    private static int remainingMillis(long deadline) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, left));
    }

    private synchronized EventLoopGroup group() {
        if (sharedGroup != null) {
            return sharedGroup;
        }
        if (closed) {
            throw new IllegalStateException("tunnel client is closed");
        }
        if (ownedGroup == null) {
            ownedGroup = Transports.newGroup(0, THREAD_NAME, FatalErrorHandler.LOG);
        }
        return ownedGroup;
    }

    /** Stops the client's own event loop group (waiting a few seconds, unless called on one of its loops). */
    @Override
    public void close() {
        EventLoopGroup group;
        synchronized (this) {
            closed = true;
            group = ownedGroup;
        }
        resolver.close();
        if (group == null) {
            return;
        }
        Future<?> terminated = group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        for (EventExecutor executor : group) {
            if (executor.inEventLoop()) {
                return;
            }
        }
        terminated.awaitUninterruptibly(SHUTDOWN_WAIT_SECONDS, TimeUnit.SECONDS);
    }
}
