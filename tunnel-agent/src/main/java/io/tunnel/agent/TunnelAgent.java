package io.tunnel.agent;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tunnel.core.health.HealthServer;
import io.tunnel.core.link.KeepAliveHandler;
import io.tunnel.core.link.LinkConstants;
import io.tunnel.core.link.PipelineNames;
import io.tunnel.core.link.StreamResult;
import io.tunnel.core.link.TunnelLink;
import io.tunnel.core.link.TunnelStream;
import io.tunnel.core.log.RateLimitedLog;
import io.tunnel.core.protocol.TunnelFrameDecoder;
import io.tunnel.core.protocol.TunnelFrameEncoder;
import io.tunnel.core.tls.TlsContexts;
import io.tunnel.core.transport.Transports;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The running agent: keeps one link to the server, reconnecting after any loss with capped exponential backoff
 * and jitter, and serves its health endpoint ({@code /readyz} is 200 while the link is up).
 */
public final class TunnelAgent implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(TunnelAgent.class);
    private static final Logger ACCESS = LogManager.getLogger("tunnel.access");
    private static final int RESOLVER_QUEUE = 4096;

    private final AgentConfig config;
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter streams;
    private final RateLimitedLog<AgentHandshakeHandler.Failure> handshakeFailures =
            AgentHandshakeHandler.newFailureLog();
    private EventLoopGroup group;
    private ExecutorService resolver;
    private SslContext sslContext;
    private Dialer dialer;
    private HealthServer health;
    private volatile TunnelLink link;
    private volatile boolean closed;
    private long backoffMillis;

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
        resolver = new ThreadPoolExecutor(config.resolverThreads(), config.resolverThreads(), 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(RESOLVER_QUEUE), new DefaultThreadFactory("agent-resolver", true));
        ((ThreadPoolExecutor) resolver).allowCoreThreadTimeOut(true);
        dialer = new Dialer(resolver, config.dialTimeout().toMillis());
        try {
            health = HealthServer.start(group, config.healthAddress(), this::isConnected, registry);
        } catch (RuntimeException | InterruptedException e) {
            close();
            throw e;
        }
        LOG.info("tunnel-agent ({}, TLS {}) connecting to {}:{}, health port {}", Transports.name(),
                config.tlsProvider().toNetty(), config.serverHost(), config.serverPort(), health.port());
        connect();
        return this;
    }

    private void connect() {
        if (closed) {
            return;
        }
        long keepalive = config.linkSettings().keepaliveMillis();
        long keepaliveTimeout = config.keepaliveTimeout().toMillis();
        ChannelFuture future = new Bootstrap()
                .group(group)
                .channel(Transports.socketChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.MAX_MESSAGES_PER_READ, LinkConstants.LINK_READS_PER_BURST)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) LinkConstants.HANDSHAKE_TIMEOUT_MILLIS)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(
                        LinkConstants.LINK_LOW_WATER_MARK, LinkConstants.LINK_HIGH_WATER_MARK))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        Transports.limitUnsentBytes(ch, LinkConstants.LINK_UNSENT_LIMIT);
                        ch.pipeline()
                                .addLast(PipelineNames.SSL, sslContext.newHandler(ch.alloc(), config.serverHost(),
                                        config.serverPort()))
                                .addLast(PipelineNames.KEEPALIVE, new KeepAliveHandler(keepalive, keepaliveTimeout))
                                .addLast(PipelineNames.FRAME_DECODER, new TunnelFrameDecoder())
                                .addLast(PipelineNames.FRAME_ENCODER, TunnelFrameEncoder.INSTANCE)
                                .addLast(PipelineNames.HANDSHAKE,
                                        new AgentHandshakeHandler(config, dialer, TunnelAgent.this,
                                                handshakeFailures));
                    }
                })
                .connect(config.serverHost(), config.serverPort());
        future.addListener(f -> {
            if (!f.isSuccess()) {
                LOG.warn("cannot connect to {}:{}: {}", config.serverHost(), config.serverPort(),
                        f.cause().getMessage());
                scheduleReconnect();
            } else {
                future.channel().closeFuture().addListener(c -> linkClosed());
            }
        });
    }

    void linkEstablished(TunnelLink established) {
        link = established;
        backoffMillis = config.reconnectInitial().toMillis();
        LOG.info("connected to server {} ({}), link {}", established.peerId(), established.channel().remoteAddress(),
                established.channel().id().asShortText());
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
        group.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
    }

    void streamEnded(TunnelLink link, TunnelStream stream, StreamResult result) {
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
