package io.tunnel.agent;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tunnel.agent.policy.DestinationPolicy;
import io.tunnel.core.cli.Drainable;
import io.tunnel.core.health.HealthServer;
import io.tunnel.core.link.LinkConstants;
import io.tunnel.core.link.LinkPipeline;
import io.tunnel.core.link.StreamListener;
import io.tunnel.core.link.StreamResult;
import io.tunnel.core.link.TunnelLink;
import io.tunnel.core.link.TunnelStream;
import io.tunnel.core.log.RateLimitedLog;
import io.tunnel.core.rotation.ReloadingTls;
import io.tunnel.core.rotation.TlsReloadCounter;
import io.tunnel.core.tls.TlsContexts;
import io.tunnel.core.transport.Transports;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;
import javax.net.ssl.SSLException;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The running agent: holds one link to each server of the set behind its server address ({@link ServerSet}), serves
 * its health endpoint ({@code /readyz} is 200 while it holds a link that takes streams; {@code /links} lists the links
 * by server id) and drains on SIGTERM ({@link #drain()}).
 *
 * <p>Threads: the sync loop runs on one event loop of the group (the control loop); server names are resolved on the
 * resolver pool, never on an event loop; each link lives on its own loop and reports to the control loop.
 */
public final class TunnelAgent implements StreamListener, AutoCloseable, Drainable {
    private static final Logger LOG = LogManager.getLogger(TunnelAgent.class);
    private static final Logger ACCESS = LogManager.getLogger("tunnel.access");
    private static final int RESOLVER_QUEUE = 4096;
    /** The health page listing the links. */
    static final String LINKS_PAGE = "/links";

    private final AgentConfig config;
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter streams;
    private final RateLimitedLog<AgentHandshakeHandler.Failure> handshakeFailures;
    private final Counter linkAttempts;
    private final Histogram dialDuration;
    private EventLoopGroup group;
    private EventLoop control;
    private ExecutorService resolver;
    /** The agent's TLS material, reloaded when its files change; new links use the newest. */
    private ReloadingTls tls;
    private SslContext sslContext;
    private Dialer dialer;
    private HealthServer health;
    private volatile ServerSet servers;
    private volatile boolean closed;

    public TunnelAgent(AgentConfig config) {
        this.config = config;
        this.streams = Counter.builder().name("tunnel_agent_streams_total")
                .help("Streams ended, by result").labelNames("result").register(registry);
        this.linkAttempts = Counter.builder().name("tunnel_agent_link_attempts_total")
                .help("Links dialled to a server, the first ones and every reconnection").register(registry);
        Counter linkFailures = Counter.builder().name("tunnel_agent_link_failures_total")
                .help("Link attempts that failed before the link was up, by cause (tls, refused, timeout, unexpected)")
                .labelNames("cause").register(registry);
        this.handshakeFailures = AgentHandshakeHandler.newFailureLog()
                .countingInto(cause -> linkFailures.labelValues(cause.name().toLowerCase(Locale.ROOT)).inc());
        this.dialDuration = Histogram.builder().name("tunnel_agent_dial_duration_seconds")
                .help("Time from a DIAL to its result (name resolution and connect), by result")
                .labelNames("result").classicUpperBounds(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
                .register(registry);
        GaugeWithCallback.builder().name("tunnel_agent_connected")
                .help("Links to distinct servers that take new streams")
                .callback(cb -> cb.call(servers == null ? 0 : servers.activeLinks())).register(registry);
        GaugeWithCallback.builder().name("tunnel_agent_server_count")
                .help("Servers the agent aims to hold a link to (the highest count they reported)")
                .callback(cb -> cb.call(servers == null ? 0 : servers.serverCount())).register(registry);
        GaugeWithCallback.builder().name("tunnel_agent_links")
                .help("Links held, by server id and state (active, duplicate, server-going-away, agent-going-away)")
                .labelNames("server_id", "state")
                .callback(cb -> linksByServer().forEach((labels, n) -> cb.call(n, labels.get(0), labels.get(1))))
                .register(registry);
        GaugeWithCallback.builder().name("tunnel_agent_stream_unwritten_bytes")
                .help("Bytes from the server queued on destination sockets and not yet written")
                .callback(cb -> cb.call(linkStat(ServerSet.Link::unwrittenBytes))).register(registry);
        GaugeWithCallback.builder().name("tunnel_agent_stream_unsent_bytes")
                .help("Bytes read from destination sockets that wait for stream credit")
                .callback(cb -> cb.call(linkStat(ServerSet.Link::unsentBytes))).register(registry);
    }

    /**
     * Builds TLS, binds the health port and starts linking; blocking, call it from a main thread. If it throws, it
     * has stopped whatever it started.
     */
    public TunnelAgent start() throws SSLException, InterruptedException {
        TlsReloadCounter reloads = new TlsReloadCounter(registry, "tunnel_agent_tls_reloads_total");
        tls = ReloadingTls.start("agent", config.tlsFiles(), () -> TlsContexts.client(config.agentCert(),
                config.agentKey(), config.caCert(), config.tlsProvider(), true), new ReloadingTls.Listener() {
                    @Override
                    public void reloaded(String name) {
                        reloads.reloaded(name);
                        ServerSet set = servers;
                        if (config.reconnectOnRotation() && set != null) {
                            set.relink("new TLS material (--reconnect-on-rotation)");
                        }
                    }

                    @Override
                    public void refused(String name, String reason) {
                        reloads.refused(name, reason);
                    }
                });
        sslContext = tls.context();
        group = Transports.newGroup(config.ioThreads(), "agent-io");
        handshakeFailures.scheduleReports(group);
        control = group.next();
        resolver = new ResolverPool(config.resolverThreads(), RESOLVER_QUEUE);
        servers = new ServerSet(control, config.serverAddresses(), this::dial,
                new SyncBackoff(config.syncInterval().toMillis(), config.syncIntervalCap().toMillis(),
                        () -> ThreadLocalRandom.current().nextDouble()),
                config.syncForever(), Clock.systemUTC());
        try {
            health = HealthServer.start(group, config.healthAddress(), this::notReadyBecause, registry,
                    List.of(new HealthServer.JsonRoute(LINKS_PAGE, this::linksPage)));
        } catch (RuntimeException | InterruptedException e) {
            close();
            throw e;
        }
        dialer = new Dialer(resolver, config.dialTimeout().toMillis(), new DestinationPolicy(
                config.allowDestinations(), config.denyDestinations(), health.port()),
                (result, nanos) -> dialDuration.labelValues(result).observe(nanos / 1e9));
        LOG.info("tunnel-agent ({}, TLS {}) linking to the servers at {}, health port {}", Transports.name(),
                config.tlsProvider().toNetty(), String.join(",", config.serverAddresses().stream()
                        .map(ServerAddress::toString).toList()), health.port());
        servers.start();
        return this;
    }

    /** One link attempt (the {@link ServerSet}'s dialer): resolves the name off the loops, then connects. */
    private void dial(ServerAddress server, AgentLinks attempt) {
        linkAttempts.inc();
        try {
            resolver.execute(() -> {
                InetSocketAddress address;
                try {
                    address = new InetSocketAddress(InetAddress.getByName(server.host()), server.port());
                } catch (UnknownHostException e) {
                    attempt.closed("cannot resolve " + server.host() + ": " + e.getMessage());
                    return;
                }
                try {
                    control.execute(() -> connect(server, address, attempt));
                } catch (RejectedExecutionException e) {
                    attempt.closed("agent closing");
                }
            });
        } catch (RejectedExecutionException e) {
            attempt.closed(closed ? "agent closing" : "resolver saturated");
        }
    }

    private void connect(ServerAddress server, InetSocketAddress address, AgentLinks attempt) {
        long keepalive = config.linkSettings().keepaliveMillis();
        long keepaliveTimeout = config.keepaliveTimeout().toMillis();
        ChannelFuture future = new Bootstrap()
                .group(group)
                .channel(Transports.socketChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) LinkConstants.HANDSHAKE_TIMEOUT_MILLIS)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        LinkPipeline.init(ch, sslContext.newHandler(ch.alloc(), server.host(), server.port()),
                                keepalive, keepaliveTimeout, new AgentHandshakeHandler(config, server, dialer,
                                        TunnelAgent.this, attempt, handshakeFailures));
                    }
                })
                .connect(address);
        future.addListener(f -> {
            if (!f.isSuccess()) {
                attempt.closed("cannot connect: " + f.cause().getMessage());
            } else {
                future.channel().closeFuture().addListener(c -> attempt.closed("connection closed"));
            }
        });
    }

    /** One access line per stream; {@code up} is what the client sent toward the destination, as on the server. */
    @Override
    public void streamEnded(TunnelLink link, TunnelStream stream, StreamResult result) {
        streams.labelValues(result.isClean() ? "closed" : result.code().name().toLowerCase()).inc();
        ACCESS.info("stream={} target={} opened={} end=\"{}\" up={} down={} duration_ms={}", stream.id(),
                stream.target(), stream.wasOpened(), result, stream.bytesToSocket(), stream.bytesFromSocket(),
                stream.durationMillis());
    }

    /** What {@code /links} shows: the server count aimed for and every link with its server id and state. */
    private Map<String, Object> linksPage() {
        ServerSet set = servers;
        Map<String, Object> page = new LinkedHashMap<>();
        page.put("server_count", set.serverCount());
        page.put("active_links", set.activeLinks());
        page.put("draining", set.isDraining());
        page.put("links", set.links().stream().map(status -> {
            Map<String, Object> link = new LinkedHashMap<>();
            link.put("server_id", status.serverId());
            link.put("state", status.state().label());
            link.put("address", status.address().toString());
            link.put("remote", status.link().remoteAddress());
            link.put("link", status.link().linkId());
            link.put("since", status.since().toString());
            return link;
        }).toList());
        return page;
    }

    /** Links per (server id, state), for the labelled gauge: one series each, however many links share it. */
    private Map<List<String>, Integer> linksByServer() {
        Map<List<String>, Integer> counts = new LinkedHashMap<>();
        ServerSet set = servers;
        if (set != null) {
            for (ServerSet.LinkStatus status : set.links()) {
                counts.merge(List.of(status.serverId(), status.state().label()), 1, Integer::sum);
            }
        }
        return counts;
    }

    private long linkStat(ToLongFunction<ServerSet.Link> stat) {
        ServerSet set = servers;
        return set == null ? 0 : set.links().stream().mapToLong(status -> stat.applyAsLong(status.link())).sum();
    }

    /** Whether the agent holds a link that takes new streams; any thread. */
    public boolean isConnected() {
        return notReadyBecause() == null;
    }

    /** Why {@code /readyz} says 503, or {@code null} while a link takes new streams; any thread. */
    private String notReadyBecause() {
        ServerSet set = servers;
        if (set == null) {
            return "starting";
        }
        if (set.isDraining()) {
            return "draining (shutting down)";
        }
        return set.isReady() ? null : "not linked to a server (" + config.serverAddresses().size()
                + " address(es) tried in turn, see the log)";
    }

    public int healthPort() {
        return health.port();
    }

    /**
     * Drains the agent (SIGTERM): it stops dialling and says GOAWAY on every link, so the servers choose it for no
     * new stream; a DIAL that crossed the GOAWAY is still served; each link closes once its streams have ended. Any
     * thread.
     *
     * @return completes once every link has closed, or when the graceful-shutdown timeout runs out
     */
    @Override
    public CompletableFuture<Void> drain() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        servers.drain().thenRun(() -> {
            if (done.complete(null)) {
                LOG.info("drained: every link has closed");
            }
        });
        control.schedule(() -> {
            if (done.complete(null)) {
                LOG.info("the graceful-shutdown timeout ran out with {} link(s) open: their streams end now",
                        servers.links().size());
            }
        }, config.gracefulShutdownTimeout().toMillis(), TimeUnit.MILLISECONDS);
        return done;
    }

    @Override
    public void close() {
        closed = true;
        ServerSet set = servers;
        if (set != null) {
            set.close();
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
        if (tls != null) {
            tls.close();
        }
    }
}
