package io.tunnel.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tunnel.core.log.RateLimitedLog;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The server's caps on connections ({@link CapsConfig}): open frontend connections (the TCP port and the Unix socket
 * together), those from one client address, frontend TLS handshakes in progress, connections on the agent port. A
 * listener's initializer asks first, before it builds anything: a connection above a cap is closed at once, answered
 * with a constant 503 where it speaks plaintext HTTP ({@link ProxyResponse#TOO_MANY_CONNECTIONS}), counted in
 * {@code tunnel_server_connections_refused_total{listener,reason}} and logged rate-limited; it gets no access-log line.
 * An admitted connection is counted until it closes.
 *
 * <p>Connections are accepted on every event loop, so the counts are atomic. The per-address counts are bounded by
 * the total: an address leaves the map with its last connection.
 */
final class ConnectionCaps {
    private static final Logger LOG = LogManager.getLogger(ConnectionCaps.class);
    /** The {@code listener} label of the Unix-socket frontend; the others are {@link HandshakeFailures}' ports. */
    static final String UDS = "uds";

    private final CapsConfig config;
    private final Slots frontend;
    private final Slots handshakes;
    private final Slots agentLinks;
    private final Map<InetAddress, Integer> perAddress = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> open = Map.of(HandshakeFailures.FRONTEND, new AtomicInteger(),
            UDS, new AtomicInteger(), HandshakeFailures.AGENT, new AtomicInteger());
    private final Counter refused;
    private final RateLimitedLog<CapRefusal> refusals = new RateLimitedLog<>(LOG, Level.WARN, CapRefusal.class,
            HandshakeFailures.LOG_INTERVAL);

    ConnectionCaps(CapsConfig config, PrometheusRegistry registry) {
        this.config = config;
        this.frontend = new Slots(config.maxFrontendConnections());
        this.handshakes = new Slots(config.maxConcurrentHandshakes());
        this.agentLinks = new Slots(config.maxAgentLinks());
        refused = Counter.builder().name("tunnel_server_connections_refused_total")
                .help("Connections closed at once for a cap, by listener (frontend, uds, agent) and reason")
                .labelNames("listener", "reason").register(registry);
        GaugeWithCallback.builder().name("tunnel_server_open_connections")
                .help("Open connections by listener (frontend, uds, agent)").labelNames("listener")
                .callback(cb -> open.forEach((listener, count) -> cb.call(count.get(), listener)))
                .register(registry);
        GaugeWithCallback.builder().name("tunnel_server_frontend_tls_handshakes")
                .help("Frontend TLS handshakes in progress (from the client's first byte)")
                .callback(cb -> cb.call(handshakes.used())).register(registry);
    }

    /** Time from a frontend connection's start to the end of its TLS handshake. */
    long handshakeTimeoutMillis() {
        return config.frontendHandshakeTimeout().toMillis();
    }

    /**
     * Admits a new frontend connection on {@code listener} ({@code frontend} or {@link #UDS}), or refuses it: closed,
     * after a 503 if it {@code speaksHttp} (no TLS in front). Call it first in the listener's initializer.
     *
     * @return whether the connection was admitted; if not, build nothing for it
     */
    boolean admitFrontend(Channel channel, String listener, boolean speaksHttp) {
        if (!frontend.tryAcquire()) {
            return refuse(channel, listener, CapRefusal.MAX_CONNECTIONS, frontend.max(), speaksHttp);
        }
        InetAddress address = channel.remoteAddress() instanceof InetSocketAddress inet ? inet.getAddress() : null;
        if (address != null && config.maxFrontendConnectionsPerIp() != CapsConfig.NO_CAP && !acquire(address)) {
            frontend.release();
            return refuse(channel, listener, CapRefusal.MAX_CONNECTIONS_PER_IP, config.maxFrontendConnectionsPerIp(),
                    speaksHttp);
        }
        AtomicInteger count = open.get(listener);
        count.incrementAndGet();
        channel.closeFuture().addListener((ChannelFutureListener) closed -> {
            count.decrementAndGet();
            frontend.release();
            if (address != null && config.maxFrontendConnectionsPerIp() != CapsConfig.NO_CAP) {
                perAddress.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
            }
        });
        return true;
    }

    /** Admits a new connection on the agent port, or closes it; {@code false} if it was refused. */
    boolean admitAgent(Channel channel) {
        if (!agentLinks.tryAcquire()) {
            return refuse(channel, HandshakeFailures.AGENT, CapRefusal.MAX_AGENT_LINKS, agentLinks.max(), false);
        }
        AtomicInteger count = open.get(HandshakeFailures.AGENT);
        count.incrementAndGet();
        channel.closeFuture().addListener((ChannelFutureListener) closed -> {
            count.decrementAndGet();
            agentLinks.release();
        });
        return true;
    }

    /**
     * A frontend TLS handshake starts on {@code channel}: {@code true} if a slot was free, which the caller gives back
     * with {@link #handshakeEnded()} when the handshake ends, however it ends; otherwise the connection is closed.
     */
    boolean startHandshake(Channel channel) {
        return handshakes.tryAcquire()
                || refuse(channel, HandshakeFailures.FRONTEND, CapRefusal.MAX_HANDSHAKES, handshakes.max(), false);
    }

    void handshakeEnded() {
        handshakes.release();
    }

    /** Starts the summary lines of the rate-limited refusal log, on {@code executor}. */
    void scheduleReports(ScheduledExecutorService executor) {
        refusals.scheduleReports(executor);
    }

    private boolean acquire(InetAddress address) {
        int max = config.maxFrontendConnectionsPerIp();
        boolean[] acquired = new boolean[1];
        perAddress.compute(address, (a, n) -> {
            int count = n == null ? 0 : n;
            if (count >= max) {
                return n;
            }
            acquired[0] = true;
            return count + 1;
        });
        return acquired[0];
    }

    /** Counts, logs (rate-limited) and closes; always {@code false}, the answer to "admitted?". */
    private boolean refuse(Channel channel, String listener, CapRefusal why, int cap, boolean speaksHttp) {
        refused.labelValues(listener, why.label()).inc();
        if (refusals.admit(why)) {
            LOG.warn("{} connection from {} refused: {} ({}) reached", listener, FrontendClient.describe(channel),
                    why.flag(), cap);
        }
        if (speaksHttp && channel.isActive()) {
            channel.config().setAutoRead(false);
            channel.writeAndFlush(ProxyResponse.TOO_MANY_CONNECTIONS.toBuffer()).addListener(ChannelFutureListener.CLOSE);
        } else {
            channel.close();
        }
        return false;
    }
}
