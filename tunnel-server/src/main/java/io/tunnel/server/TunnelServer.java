package io.tunnel.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoEventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.tunnel.core.cli.Drainable;
import io.tunnel.core.health.HealthServer;
import io.tunnel.core.link.LinkConstants;
import io.tunnel.core.link.LinkPipeline;
import io.tunnel.core.link.TunnelLink;
import io.tunnel.core.net.Addresses;
import io.tunnel.core.rotation.ReloadingTls;
import io.tunnel.core.rotation.TlsReloadCounter;
import io.tunnel.core.tls.TlsContexts;
import io.tunnel.core.transport.Transports;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLException;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The running server: the HTTP CONNECT frontend (a TCP port, a Unix socket, or both), the agent port, the health
 * endpoint (with {@value #AGENTS_PATH}) and the SNI passthrough frontend if configured ({@link SniFrontend}).
 * {@link #start()} binds them all (port 0 picks a free port, see the accessors); {@link #drain()} stops taking new
 * work and lets the streams end ({@link ServerDrain}); {@link #close()} says GOAWAY to every agent and stops.
 */
public final class TunnelServer implements AutoCloseable, Drainable {
    private static final Logger LOG = LogManager.getLogger(TunnelServer.class);
    /** The health port's list of linked agents ({@link AgentsView}). */
    public static final String AGENTS_PATH = "/agents";

    private final ServerConfig config;
    private final AgentRegistry registry = new AgentRegistry();
    private final ServerMetrics metrics = new ServerMetrics(registry);
    private final AccessLog accessLog;
    private final HandshakeFailures handshakeFailures = new HandshakeFailures(metrics);
    private final AgentChooser chooser;
    /** Frontend connections accepted that have not chosen an agent yet (nor closed): a drain waits for them. */
    private final AtomicInteger choosing = new AtomicInteger();
    private final ConnectionCaps caps;
    private final ProxyAuthenticator authenticator;
    private EventLoopGroup bossGroup;
    private IoEventLoopGroup workerGroup;
    /**
     * The worker loop the plaintext frontends accept on, and the one the agent port gives a link when the loops carry
     * as many links each ({@link LinkLoops}): with one agent, the loop of its link.
     */
    private IoEventLoop home;
    /** The workers as the plaintext frontends see them: the loop of the one link first ({@link FrontendLoops}). */
    private IoEventLoopGroup plaintextWorkers;
    /** The workers as the agent port sees them: the loop with the fewest links first ({@link LinkLoops}). */
    private IoEventLoopGroup linkWorkers;
    private Channel frontendChannel;
    private UdsFrontend udsFrontend;
    private Channel agentChannel;
    private Channel sniChannel;
    private HealthServer health;
    private volatile ServerDrain drain;
    /** The TLS material, reloaded when its files change (new connections use the new one). */
    private ReloadingTls agentTls;
    private ReloadingTls frontendTls;

    public TunnelServer(ServerConfig config) {
        this.config = config;
        this.accessLog = new AccessLog(metrics, config.accessLog().openLines());
        this.chooser = new AgentRouter(registry, config.routing().strategies());
        this.caps = new ConnectionCaps(config.caps(), metrics.registry());
        this.authenticator = new ProxyAuthenticator(config.proxyAuth(), metrics);
    }

    /** Builds the TLS contexts and binds every listener; blocking, call it from a main thread. */
    public TunnelServer start() throws SSLException, InterruptedException {
        TlsReloadCounter reloads = new TlsReloadCounter(metrics.registry(), "tunnel_server_tls_reloads_total");
        ServerConfig.TlsFiles agent = config.agentTls();
        agentTls = ReloadingTls.start("agent port", agent.files(),
                () -> TlsContexts.mutualServer(agent.cert(), agent.key(), agent.caCert(), config.tlsProvider(), true),
                reloads);
        ServerConfig.TlsFiles frontend = config.frontendTls();
        if (frontend != null) {
            // Reference-counted engines: every CONNECT is a new TLS connection, and engines left to finalizers
            // kept their heap and BoringSSL state through a collection or more.
            frontendTls = ReloadingTls.start("frontend", frontend.files(), () -> TlsContexts.server(
                    frontend.cert(), frontend.key(), frontend.caCert(),
                    config.frontendTlsProvider().toNettyReferenceCounted(), false,
                    config.proxyAuth().clientCertificates().toNetty()), reloads);
        }
        SslContext frontendSsl = frontendTls == null ? null : frontendTls.context();
        SslContext agentSsl = agentTls.context();
        bossGroup = Transports.newGroup(1, "server-accept");
        workerGroup = Transports.newGroup(config.ioThreads(), "server-io");
        home = workerGroup.next();
        plaintextWorkers = new FrontendLoops(workerGroup, registry::onlyLinkLoop);
        linkWorkers = new LinkLoops(workerGroup, home);
        handshakeFailures.scheduleReports(bossGroup);
        caps.scheduleReports(bossGroup);
        scheduleProgressLines(config.accessLog().progress());
        try {
            agentChannel = bind(agentBootstrap(agentSsl), config.agentAddress(), "--agent-port");
            if (config.frontendAddress() != null) {
                frontendChannel = bind(frontendBootstrap(frontendSsl), config.frontendAddress(), "--server-port");
            }
            if (config.uds() != null) {
                udsFrontend = UdsFrontend.bind(config.uds(), home, plaintextWorkers,
                        frontendInitializer(ConnectionCaps.UDS, null));
                LOG.info("frontend on the Unix socket {} (PLAINTEXT, mode {})", udsFrontend.path(),
                        config.uds().modeText());
            }
            if (config.sni() != null) {
                sniChannel = bind(SniFrontend.bootstrap(home, plaintextWorkers, config.sni(), config.headerTimeout(),
                        this::countChoosing, accessLog), config.sni().address(), "--sni-port");
            }
            health = HealthServer.start(bossGroup, config.healthAddress(), this::notReadyBecause, metrics.registry(),
                    List.of(new HealthServer.JsonRoute(AGENTS_PATH, () -> AgentsView.of(registry))));
        } catch (RuntimeException | InterruptedException e) {
            close();
            throw e;
        }
        LOG.info("tunnel-server ({}) frontend {} ({}), agent port {}, health port {}; TLS {} (frontend {}); "
                        + "server id {}, one of {}", Transports.name(), frontendChannel == null ? "off" : frontendPort(),
                frontendChannel == null ? "Unix socket only" : frontendSsl == null ? "PLAINTEXT" : tlsKind(), agentPort(),
                healthPort(), config.tlsProvider().toNetty(), config.frontendTlsProvider().toNetty(),
                config.serverId(), config.serverCount());
        RoutingConfig routing = config.routing();
        LOG.info("routing by {}{}{}", ProxyStrategy.names(routing.strategies()),
                routing.claims().isRestricting() ? ", claims of " + routing.claims().agentCount()
                        + " agent(s) pinned by --agent-claims-file" : "",
                routing.agentReplicas() ? ", agent replicas allowed" : ", one link per agent");
        if (config.sni() != null) {
            LOG.info("SNI passthrough frontend {} for {} server name(s){}", sniPort(), config.sni().routes().size(),
                    config.sni().proxyProtocol() ? ", with a PROXY protocol v2 header to each destination" : "");
        }
        authenticator.logMode(frontendChannel != null, frontendSsl != null);
        return this;
    }

    private ServerBootstrap agentBootstrap(SslContext ssl) {
        long keepalive = config.linkSettings().keepaliveMillis();
        long keepaliveTimeout = config.keepaliveTimeout().toMillis();
        return new ServerBootstrap()
                .group(bossGroup, linkWorkers)
                .channel(Transports.serverChannel())
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (caps.admitAgent(ch)) {
                            LinkPipeline.init(ch, ssl.newHandler(ch.alloc()), keepalive, keepaliveTimeout,
                                    new ServerHandshakeHandler(config, registry, accessLog, handshakeFailures));
                        }
                    }
                });
    }

    /**
     * A bootstrap with the socket options of a frontend whose connections become streams (CONNECT, SNI). No
     * {@code TCP_NODELAY}: Netty sets it on every socket it makes, and setting it again is one more system call per
     * tunnel.
     */
    static ServerBootstrap newFrontendBootstrap(EventLoopGroup boss, EventLoopGroup workers) {
        return new ServerBootstrap()
                .group(boss, workers)
                .channel(Transports.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.MAX_MESSAGES_PER_READ, LinkConstants.STREAM_READS_PER_BURST);
    }

    private ServerBootstrap frontendBootstrap(SslContext ssl) {
        ServerBootstrap bootstrap = ssl == null
                ? newFrontendBootstrap(home, plaintextWorkers) // accepts on the home loop: one agent's link is there
                : newFrontendBootstrap(bossGroup, workerGroup); // TLS handshakes spread over every loop
        return bootstrap.childHandler(frontendInitializer(HandshakeFailures.FRONTEND, ssl));
    }

    /** The frontend's pipeline for {@code listener}; {@code ssl} {@code null} for plaintext. */
    private FrontendInitializer frontendInitializer(String listener, SslContext ssl) {
        return new FrontendInitializer(listener, ssl, caps, handshakeFailures, config.headerTimeout(),
                this::countChoosing, accessLog, authenticator);
    }

    /** How the start-up line calls a TLS frontend: {@code mTLS} where client certificates are required. */
    private String tlsKind() {
        return config.proxyAuth().certificateRequired() ? "mTLS" : "TLS";
    }

    /**
     * Counts {@code ch} in {@link #choosing} until it has chosen an agent or closed, so that a drain sends its GOAWAYs
     * only after the connections accepted before it have picked their links.
     */
    private AgentChooser countChoosing(Channel ch) {
        choosing.incrementAndGet();
        AtomicBoolean counted = new AtomicBoolean(true);
        Runnable done = () -> {
            if (counted.compareAndSet(true, false)) {
                choosing.decrementAndGet();
            }
        };
        ch.closeFuture().addListener(f -> done.run());
        return (request, excluded) -> {
            try {
                return chooser.choose(request, excluded);
            } finally {
                done.run();
            }
        };
    }

    /**
     * Every {@code interval}, a progress line in the access log for each stream open longer than it (on each link's
     * loop); none for a zero interval.
     */
    private void scheduleProgressLines(Duration interval) {
        if (interval.isZero()) {
            return;
        }
        long millis = interval.toMillis();
        bossGroup.scheduleAtFixedRate(() -> {
            for (ServerLinkHandler handler : registry.all()) {
                TunnelLink link = handler.link();
                link.eventLoop().execute(() -> link.forEachStream(stream -> {
                    if (stream.wasOpened() && stream.durationMillis() >= millis) {
                        accessLog.progress(link, stream);
                    }
                }));
            }
        }, millis, millis, TimeUnit.MILLISECONDS);
    }

    /** Binds {@code address}, or fails with a line naming the flag that chose it ({@code --server-port 8090 …}). */
    private static Channel bind(ServerBootstrap bootstrap, InetSocketAddress address, String flag)
            throws InterruptedException {
        ChannelFuture future = bootstrap.bind(address).await();
        if (!future.isSuccess()) {
            throw new IllegalStateException("cannot listen on " + flag + " " + address.getPort() + " ("
                    + Addresses.text(address) + "): " + future.cause().getMessage(), future.cause());
        }
        return future.channel();
    }

    /** The frontend's TCP port; the frontend must have one (not only the Unix socket). */
    public int frontendPort() {
        return ((InetSocketAddress) frontendChannel.localAddress()).getPort();
    }

    /** The SNI passthrough frontend's port; -1 without {@code --sni-port}. */
    public int sniPort() {
        return sniChannel == null ? -1 : ((InetSocketAddress) sniChannel.localAddress()).getPort();
    }

    public int agentPort() {
        return ((InetSocketAddress) agentChannel.localAddress()).getPort();
    }

    public int healthPort() {
        return health.port();
    }

    /** Ready ({@code /readyz} 200) while not draining and an agent link takes new streams; any thread. */
    private String notReadyBecause() {
        if (drain != null) {
            return "draining (shutting down)";
        }
        List<ServerLinkHandler> links = registry.all();
        if (links.isEmpty()) {
            return "no agent linked";
        }
        return links.stream().anyMatch(ServerLinkHandler::acceptsStreams) ? null
                : "none of the " + links.size() + " agent link(s) takes new streams (going away)";
    }

    /** Agent links currently connected. */
    public int agentCount() {
        return registry.size();
    }

    /**
     * Drains the server (SIGTERM): {@code /readyz} answers 503 at once and both listeners close (after
     * {@code --shutdown-delay-duration}, if given); once the connections accepted before have chosen an agent, every
     * agent link gets GOAWAY, and the streams go on until they end or the graceful-shutdown timeout runs out. Any
     * thread.
     *
     * @return completes when no agent link is left, or at the timeout
     */
    @Override
    public synchronized CompletableFuture<Void> drain() {
        if (drain == null) {
            drain = new ServerDrain(bossGroup.next(), config, registry, choosing::get, () -> {
                if (frontendChannel != null) {
                    frontendChannel.close();
                }
                if (udsFrontend != null) {
                    udsFrontend.stopAccepting();
                }
                if (sniChannel != null) {
                    sniChannel.close();
                }
                agentChannel.close();
            });
            drain.start();
        }
        return drain.done();
    }

    @Override
    public void close() {
        ServerDrain current = drain;
        if (current != null) {
            current.stop();
        }
        if (health != null) {
            health.close();
        }
        if (frontendChannel != null) {
            frontendChannel.close().syncUninterruptibly();
        }
        if (udsFrontend != null) {
            udsFrontend.close();
        }
        if (sniChannel != null) {
            sniChannel.close().syncUninterruptibly();
        }
        if (agentChannel != null) {
            agentChannel.close().syncUninterruptibly();
        }
        for (ServerLinkHandler link : registry.all()) {
            link.link().eventLoop().execute(link::shutDown);
        }
        if (workerGroup != null) {
            workerGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (bossGroup != null) {
            bossGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (frontendTls != null) {
            frontendTls.close();
        }
        if (agentTls != null) {
            agentTls.close();
        }
        authenticator.close();
    }
}
