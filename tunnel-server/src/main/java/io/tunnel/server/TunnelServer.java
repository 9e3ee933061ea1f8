package io.tunnel.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.tunnel.core.health.HealthServer;
import io.tunnel.core.link.LinkConstants;
import io.tunnel.core.link.LinkPipeline;
import io.tunnel.core.tls.TlsContexts;
import io.tunnel.core.transport.Transports;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The running server: the HTTP CONNECT frontend, the agent port and the health endpoint (with {@value #AGENTS_PATH}).
 * {@link #start()} binds all three (port 0 picks a free port, see the accessors); {@link #close()} says GOAWAY to
 * every agent and stops.
 */
public final class TunnelServer implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(TunnelServer.class);
    /** The health port's list of linked agents ({@link AgentsView}). */
    public static final String AGENTS_PATH = "/agents";

    private final ServerConfig config;
    private final AgentRegistry registry = new AgentRegistry();
    private final ServerMetrics metrics = new ServerMetrics(registry);
    private final AccessLog accessLog = new AccessLog(metrics);
    private final HandshakeFailures handshakeFailures = new HandshakeFailures(metrics);
    private final AgentChooser chooser;
    private EventLoopGroup bossGroup;
    private EventLoopGroup workerGroup;
    private Channel frontendChannel;
    private Channel agentChannel;
    private HealthServer health;

    public TunnelServer(ServerConfig config) {
        this.config = config;
        this.chooser = new AgentRouter(registry, config.routing().strategies());
    }

    /** Builds the TLS contexts and binds every listener; blocking, call it from a main thread. */
    public TunnelServer start() throws SSLException, InterruptedException {
        SslContext frontendSsl = config.frontendTls() == null ? null : TlsContexts.mutualServer(
                config.frontendTls().cert(), config.frontendTls().key(), config.frontendTls().caCert(),
                config.frontendTlsProvider(), false);
        SslContext agentSsl = TlsContexts.mutualServer(config.agentTls().cert(), config.agentTls().key(),
                config.agentTls().caCert(), config.tlsProvider(), true);
        bossGroup = Transports.newGroup(1, "server-accept");
        workerGroup = Transports.newGroup(0, "server-io");
        handshakeFailures.scheduleReports(bossGroup);
        try {
            agentChannel = bind(agentBootstrap(agentSsl), config.agentAddress());
            frontendChannel = bind(frontendBootstrap(frontendSsl), config.frontendAddress());
            health = HealthServer.start(bossGroup, config.healthAddress(), () -> !registry.isEmpty(),
                    metrics.registry(),
                    List.of(new HealthServer.JsonRoute(AGENTS_PATH, () -> AgentsView.of(registry))));
        } catch (RuntimeException | InterruptedException e) {
            close();
            throw e;
        }
        LOG.info("tunnel-server ({}) frontend {} ({}), agent port {}, health port {}; TLS {} (frontend {})",
                Transports.name(), frontendPort(), frontendSsl == null ? "PLAINTEXT" : "mTLS", agentPort(), healthPort(),
                config.tlsProvider().toNetty(), config.frontendTlsProvider().toNetty());
        RoutingConfig routing = config.routing();
        LOG.info("routing by {}{}{}", ProxyStrategy.names(routing.strategies()),
                routing.claims().isRestricting() ? ", claims of " + routing.claims().agentCount()
                        + " agent(s) pinned by --agent-claims-file" : "",
                routing.agentReplicas() ? ", agent replicas allowed" : ", one link per agent");
        if (frontendSsl == null) {
            LOG.warn("the frontend accepts plaintext CONNECT without client authentication "
                    + "(--allow-plaintext-frontend): expose it only inside a trusted network");
        }
        return this;
    }

    private ServerBootstrap agentBootstrap(SslContext ssl) {
        long keepalive = config.linkSettings().keepaliveMillis();
        long keepaliveTimeout = config.keepaliveTimeout().toMillis();
        return new ServerBootstrap()
                .group(bossGroup, workerGroup)
                .channel(Transports.serverChannel())
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        LinkPipeline.init(ch, ssl.newHandler(ch.alloc()), keepalive, keepaliveTimeout,
                                new ServerHandshakeHandler(config, registry, accessLog, handshakeFailures));
                    }
                });
    }

    private ServerBootstrap frontendBootstrap(SslContext ssl) {
        return new ServerBootstrap()
                .group(bossGroup, workerGroup)
                .channel(Transports.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.MAX_MESSAGES_PER_READ, LinkConstants.STREAM_READS_PER_BURST)
                .childHandler(new FrontendPipeline(ssl, handshakeFailures, config.headerTimeout(), chooser, accessLog));
    }

    private static Channel bind(ServerBootstrap bootstrap, InetSocketAddress address) throws InterruptedException {
        ChannelFuture future = bootstrap.bind(address).await();
        if (!future.isSuccess()) {
            throw new IllegalStateException("cannot bind " + address + ": " + future.cause().getMessage(),
                    future.cause());
        }
        return future.channel();
    }

    public int frontendPort() {
        return ((InetSocketAddress) frontendChannel.localAddress()).getPort();
    }

    public int agentPort() {
        return ((InetSocketAddress) agentChannel.localAddress()).getPort();
    }

    public int healthPort() {
        return health.port();
    }

    /** Agent links currently connected. */
    public int agentCount() {
        return registry.size();
    }

    @Override
    public void close() {
        if (health != null) {
            health.close();
        }
        if (frontendChannel != null) {
            frontendChannel.close().syncUninterruptibly();
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
    }
}
