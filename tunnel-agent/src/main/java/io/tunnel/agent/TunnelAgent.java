package io.tunnel.agent;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tunnel.agent.policy.DestinationPolicy;
import io.tunnel.core.health.HealthServer;
import io.tunnel.core.link.LinkConstants;
import io.tunnel.core.link.LinkPipeline;
import io.tunnel.core.link.StreamResult;
import io.tunnel.core.link.TunnelLink;
import io.tunnel.core.link.TunnelStream;
import io.tunnel.core.log.RateLimitedLog;
import io.tunnel.core.tls.TlsContexts;
import io.tunnel.core.transport.Transports;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The running agent: keeps one link to the server, reconnecting after any loss with capped exponential backoff
 * and jitter, and serves its health endpoint ({@code /readyz} is 200 while the link is up).
 *
 * <p>Threads: connecting, reconnecting and the backoff are confined to one event loop of the group (the control
 * loop); the server's name is resolved on the resolver pool, never on an event loop; each link lives on its own loop
 * and reports to the control loop.
 */
public final class TunnelAgent implements AgentLinks, AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(TunnelAgent.class);
    private static final Logger ACCESS = LogManager.getLogger("tunnel.access");
    private static final int RESOLVER_QUEUE = 4096;

    private final AgentConfig config;
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter streams;
    private final RateLimitedLog<AgentHandshakeHandler.Failure> handshakeFailures =
            AgentHandshakeHandler.newFailureLog();
    private EventLoopGroup group;
    private EventLoop control;
    private ExecutorService resolver;
    private SslContext sslContext;
    private Dialer dialer;
    private HealthServer health;
    private volatile TunnelLink link;
    private volatile boolean closed;
    private long backoffMillis; // control loop only

    public TunnelAgent(AgentConfig config) {
        this.config = config;
        this.backoffMillis = config.reconnectInitial().toMillis();
        this.streams = Counter.builder().name("tunnel_agent_streams_total")
                .help("Streams ended, by result").labelNames("result").register(registry);
        GaugeWithCallback.builder().name("tunnel_agent_connected").help("1 while the link to the server is up")
                .callback(cb -> cb.call(isConnected() ? 1 : 0)).register(registry);
        GaugeWithCallback.builder().name("tunnel_agent_stream_unwritten_bytes")
                .help("Bytes from the server queued on destination sockets and not yet written")
                .callback(cb -> cb.call(linkStat(TunnelLink::unwrittenBytes))).register(registry);
        GaugeWithCallback.builder().name("tunnel_agent_stream_unsent_bytes")
                .help("Bytes read from destination sockets that wait for stream credit")
                .callback(cb -> cb.call(linkStat(TunnelLink::unsentBytes))).register(registry);
    }

    /**
     * Builds TLS, binds the health port and starts connecting; blocking, call it from a main thread. If it throws, it
     * has stopped whatever it started.
     */
    public TunnelAgent start() throws SSLException, InterruptedException {
        sslContext = TlsContexts.client(config.agentCert(), config.agentKey(), config.caCert(), config.tlsProvider(),
                true);
        group = Transports.newGroup(0, "agent-io");
        handshakeFailures.scheduleReports(group);
        control = group.next();
        resolver = new ThreadPoolExecutor(config.resolverThreads(), config.resolverThreads(), 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(RESOLVER_QUEUE), new DefaultThreadFactory("agent-resolver", true));
        ((ThreadPoolExecutor) resolver).allowCoreThreadTimeOut(true);
        try {
            health = HealthServer.start(group, config.healthAddress(), this::isConnected, registry);
        } catch (RuntimeException | InterruptedException e) {
            close();
            throw e;
        }
        dialer = new Dialer(resolver, config.dialTimeout().toMillis(), new DestinationPolicy(
                config.allowDestinations(), config.denyDestinations(), health.port()));
        LOG.info("tunnel-agent ({}, TLS {}) connecting to {}:{}, health port {}", Transports.name(),
                config.tlsProvider().toNetty(), config.serverHost(), config.serverPort(), health.port());
        control.execute(this::connect);
        return this;
    }

    /** Resolves the server's name off the loops, then connects; on the control loop. */
    private void connect() {
        if (closed) {
            return;
        }
        try {
            resolver.execute(() -> {
                InetSocketAddress address;
                try {
                    address = new InetSocketAddress(InetAddress.getByName(config.serverHost()), config.serverPort());
                } catch (UnknownHostException e) {
                    onControl(() -> {
                        LOG.warn("cannot resolve server host {}: {}", config.serverHost(), e.getMessage());
                        scheduleReconnect();
                    });
                    return;
                }
                onControl(() -> connect(address));
            });
        } catch (RejectedExecutionException e) {
            if (!closed) {
                LOG.warn("cannot resolve server host {}: resolver saturated", config.serverHost());
                scheduleReconnect();
            }
        }
    }

    private void connect(InetSocketAddress server) {
        if (closed) {
            return;
        }
        long keepalive = config.linkSettings().keepaliveMillis();
        long keepaliveTimeout = config.keepaliveTimeout().toMillis();
        ChannelFuture future = new Bootstrap()
                .group(group)
                .channel(Transports.socketChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) LinkConstants.HANDSHAKE_TIMEOUT_MILLIS)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        LinkPipeline.init(ch, sslContext.newHandler(ch.alloc(), config.serverHost(),
                                config.serverPort()), keepalive, keepaliveTimeout,
                                new AgentHandshakeHandler(config, dialer, TunnelAgent.this, handshakeFailures));
                    }
                })
                .connect(server);
        future.addListener(f -> onControl(() -> {
            if (!f.isSuccess()) {
                LOG.warn("cannot connect to {}:{}: {}", config.serverHost(), config.serverPort(),
                        f.cause().getMessage());
                scheduleReconnect();
            } else {
                future.channel().closeFuture().addListener(c -> onControl(this::linkClosed));
            }
        }));
    }

    @Override
    public void linkEstablished(TunnelLink established) {
        link = established;
        LOG.info("connected to server {} ({}), link {}", established.peerId(), established.channel().remoteAddress(),
                established.channel().id().asShortText());
        onControl(() -> backoffMillis = config.reconnectInitial().toMillis());
    }

    /** Runs {@code task} on the control loop; dropped once the agent is closing and the loop refuses it. */
    private void onControl(Runnable task) {
        try {
            control.execute(task);
        } catch (RejectedExecutionException e) {
            if (!closed) {
                throw e;
            }
        }
    }

    private void linkClosed() {
        if (link != null) {
            LOG.warn("link to server {} lost", link.peerId());
        }
        link = null;
        scheduleReconnect();
    }

    private void scheduleReconnect() {
        if (closed) {
            return;
        }
        long delay = backoffMillis / 2 + ThreadLocalRandom.current().nextLong(backoffMillis / 2 + 1);
        backoffMillis = Math.min(backoffMillis * 2, config.reconnectMax().toMillis());
        LOG.info("reconnecting in {} ms", delay);
        control.schedule((Runnable) this::connect, delay, TimeUnit.MILLISECONDS);
    }

    @Override
    public void streamEnded(TunnelLink link, TunnelStream stream, StreamResult result) {
        streams.labelValues(result.isClean() ? "closed" : result.code().name().toLowerCase()).inc();
        ACCESS.info("stream={} target={} opened={} end=\"{}\" up={} down={} duration_ms={}", stream.id(),
                stream.target(), stream.wasOpened(), result, stream.bytesFromSocket(), stream.bytesToSocket(),
                stream.durationMillis());
    }

    private long linkStat(java.util.function.ToLongFunction<TunnelLink> stat) {
        TunnelLink current = link;
        return current == null ? 0 : stat.applyAsLong(current);
    }

    public boolean isConnected() {
        TunnelLink current = link;
        return current != null && current.channel().isActive();
    }

    public int healthPort() {
        return health.port();
    }

    @Override
    public void close() {
        closed = true;
        TunnelLink current = link;
        if (current != null) {
            current.channel().close().syncUninterruptibly();
        }
        if (health != null) {
            health.close();
        }
        if (group != null) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (resolver != null) {
            resolver.shutdownNow();
        }
    }
}
