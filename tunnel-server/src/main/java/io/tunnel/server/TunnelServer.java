package io.tunnel.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.tunnel.core.PipelineNames;
import io.tunnel.core.health.HealthServer;
import io.tunnel.core.link.LinkConstants;
import io.tunnel.core.link.LinkPipeline;
import io.tunnel.core.tls.TlsContexts;
import io.tunnel.core.tls.TlsInputEndHandler;
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
    private final ProxyAuthenticator authenticator;
    private EventLoopGroup bossGroup;
    private EventLoopGroup workerGroup;
    private Channel frontendChannel;
    private Channel agentChannel;
    private HealthServer health;

    public TunnelServer(ServerConfig config) {
        this.config = config;
        this.chooser = new AgentRouter(registry, config.routing().strategies());
        this.authenticator = new ProxyAuthenticator(config.proxyAuth(), metrics);
    }

    /** Builds the TLS contexts and binds every listener; blocking, call it from a main thread. */
    public TunnelServer start() throws SSLException, InterruptedException {
        SslContext frontendSsl = config.frontendTls() == null ? null : TlsContexts.server(
                config.frontendTls().cert(), config.frontendTls().key(), config.frontendTls().caCert(),
                config.frontendTlsProvider(), false, config.proxyAuth().clientCertificates().toNetty());
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
                Transports.name(), frontendPort(), frontendKind(frontendSsl != null), agentPort(), healthPort(),
                config.tlsProvider().toNetty(), config.frontendTlsProvider().toNetty());
        RoutingConfig routing = config.routing();
        LOG.info("routing by {}{}{}", ProxyStrategy.names(routing.strategies()),
                routing.claims().isRestricting() ? ", claims of " + routing.claims().agentCount()
                        + " agent(s) pinned by --agent-claims-file" : "",
                routing.agentReplicas() ? ", agent replicas allowed" : ", one link per agent");
        authenticator.logMode(frontendSsl != null);
        return this;
    }

    /** How the start-up line calls the frontend: {@code PLAINTEXT}, {@code mTLS}, or {@code TLS} (no mTLS). */
    private String frontendKind(boolean tls) {
        return !tls ? "PLAINTEXT" : config.proxyAuth().certificateRequired() ? "mTLS" : "TLS";
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
        boolean certificateRequired = config.proxyAuth().certificateRequired();
        return new ServerBootstrap()
                .group(bossGroup, workerGroup)
                .channel(Transports.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.MAX_MESSAGES_PER_READ, LinkConstants.STREAM_READS_PER_BURST)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        FrontendAnswer answer = new FrontendAnswer(ch, accessLog);
                        if (ssl != null) {
                            ch.pipeline().addLast(PipelineNames.SSL,
                                            TlsContexts.halfCloseHandler(ssl, ch.alloc(), null, 0))
                                    .addLast(PipelineNames.TLS_HANDSHAKE, new FrontendTlsHandshakeHandler(
                                            handshakeFailures, certificateRequired))
                                    .addLast(PipelineNames.TLS_INPUT_END, new TlsInputEndHandler());
                        }
                        ch.pipeline()
                                .addLast(PipelineNames.CONNECT_DECODER, new ConnectRequestDecoder())
                                .addLast(PipelineNames.CONNECT,
                                        new ConnectHandler(config.headerTimeout(), chooser, answer, authenticator));
                    }
                });
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
        authenticator.close();
    }
}
