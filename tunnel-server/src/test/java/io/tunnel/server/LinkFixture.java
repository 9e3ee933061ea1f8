package io.tunnel.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.tunnel.core.PipelineNames;
import io.tunnel.core.link.TunnelLink;
import io.tunnel.core.protocol.AgentIdentifiers;
import io.tunnel.core.protocol.TunnelFrame;
import io.tunnel.core.protocol.TunnelSettings;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A frontend connection and agent links as {@link EmbeddedChannel}s on one event loop (as the server moves a
 * connection onto its link's loop): the frontend carries bytes, the links carry frames as objects. The first link
 * ({@code agent-1}, no identifiers) is made and registered at once; {@link #addLink} adds more. The frontend chooses
 * with the real {@link AgentRouter} over the registry.
 */
final class LinkFixture implements AutoCloseable {
    final ServerConfig config;
    final AgentRegistry registry = new AgentRegistry();
    final ServerMetrics metrics = new ServerMetrics(registry);
    final AccessLog accessLog = new AccessLog(metrics);
    final AgentRouter router;
    final EmbeddedChannel frontend = new EmbeddedChannel();
    final AgentLink first;
    final EmbeddedChannel linkChannel;
    final TunnelLink link;
    final ServerLinkHandler linkHandler;
    final FrontendAnswer answer;
    /** Where the authenticator's password checks wait until a test runs them ({@link ManualExecutor#runAll}). */
    final ManualExecutor checks = new ManualExecutor();
    final ProxyAuthenticator authenticator;
    /** The address of the SNI frontend's clients. */
    static final InetSocketAddress SNI_CLIENT = new InetSocketAddress("192.0.2.7", 40123);
    /** The address the SNI frontend's clients reach. */
    static final InetSocketAddress SNI_LISTENER = new InetSocketAddress("10.96.0.2", 443);
    private final List<AgentLink> links = new ArrayList<>();

    LinkFixture() {
        this(flags -> { });
    }

    LinkFixture(Consumer<ServerFlags> customize) {
        ServerFlags flags = new ServerFlags();
        flags.frontend.allowPlaintext = true;
        customize.accept(flags);
        config = flags.toConfig();
        router = new AgentRouter(registry, config.routing().strategies());
        first = addLink("agent-1", AgentIdentifiers.NONE);
        linkChannel = first.channel;
        link = first.link;
        linkHandler = first.handler;
        answer = new FrontendAnswer(frontend, accessLog);
        authenticator = new ProxyAuthenticator(config.proxyAuth(), metrics, checks,
                () -> frontend.eventLoop().ticker().nanoTime());
    }

    /** One agent link on the fixture's loop, registered as after its handshake. */
    final class AgentLink {
        final EmbeddedChannel channel = new EmbeddedChannel(false, false);
        final TunnelLink link;
        final ServerLinkHandler handler;

        AgentLink(String agentId, AgentIdentifiers identifiers) {
            frontend.eventLoop().register(channel).syncUninterruptibly();
            link = new TunnelLink(channel, agentId, config.linkSettings(), TunnelSettings.DEFAULT, accessLog);
            handler = new ServerLinkHandler(link, config, registry, accessLog, identifiers);
            channel.pipeline().addLast(PipelineNames.LINK, handler);
        }

        /** Frames the server wrote to this agent since the last call. */
        List<TunnelFrame> frames() {
            runTasks();
            return drainFrames(channel);
        }

        void fromAgent(TunnelFrame frame) {
            channel.writeInbound(frame);
            runTasks();
        }
    }

    /** Adds and registers another agent link. */
    AgentLink addLink(String agentId, AgentIdentifiers identifiers) {
        AgentLink added = new AgentLink(agentId, identifiers);
        links.add(added);
        assertThat(registry.add(added.handler, true)).isNull();
        return added;
    }

    /** Adds the frontend's request handlers, choosing among the fixture's links (or none). */
    void frontendPipeline(boolean withAgent) {
        connectPipeline(frontend, answer, withAgent);
    }

    /** Adds the frontend's CONNECT handlers with {@code chooser}. */
    void frontendPipeline(AgentChooser chooser) {
        connectPipeline(frontend, answer, chooser);
    }

    private void connectPipeline(EmbeddedChannel channel, FrontendAnswer answer, boolean withAgent) {
        connectPipeline(channel, answer,
                withAgent ? router : (request, excluded) -> AgentChoice.none("no agent connected"));
    }

    private void connectPipeline(EmbeddedChannel channel, FrontendAnswer answer, AgentChooser chooser) {
        FrontendInitializer.addRequestHandlers(channel.pipeline(), Duration.ofSeconds(10), chooser, authenticator,
                answer);
    }

    /** Another frontend connection on the same loop, with its CONNECT handlers. */
    Frontend newFrontend(boolean withAgent) {
        EmbeddedChannel channel = new EmbeddedChannel(false, false);
        frontend.eventLoop().register(channel).syncUninterruptibly();
        connectPipeline(channel, new FrontendAnswer(channel, accessLog), withAgent);
        return new Frontend(channel);
    }

    /**
     * Another client connection on the same loop, with TCP addresses ({@link #SNI_CLIENT} to {@link #SNI_LISTENER}),
     * through the SNI frontend's handlers.
     */
    Frontend newSniFrontend(SniRoutes routes, boolean proxyProtocol, boolean withAgent) {
        EmbeddedChannel channel = new TcpEmbeddedChannel(SNI_CLIENT, SNI_LISTENER);
        frontend.eventLoop().register(channel).syncUninterruptibly();
        AgentChooser chooser = withAgent ? router : (request, excluded) -> AgentChoice.none("no agent connected");
        channel.pipeline()
                .addLast(PipelineNames.SNI_HELLO, new SniHelloDecoder(routes, Duration.ofSeconds(10)))
                .addLast(PipelineNames.SNI, new SniConnectHandler(chooser,
                        new FrontendAnswer(channel, accessLog, TlsAlert.SNI_WIRE), proxyProtocol));
        return new Frontend(channel);
    }

    /** A further client connection. */
    final class Frontend implements AutoCloseable {
        final EmbeddedChannel channel;

        Frontend(EmbeddedChannel channel) {
            this.channel = channel;
        }

        void fromClient(String text) {
            channel.writeInbound(Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1));
            runTasks();
        }

        String toClient() {
            runTasks();
            return drain(channel);
        }

        @Override
        public void close() {
            channel.finishAndReleaseAll();
        }
    }

    void runTasks() {
        frontend.runPendingTasks();
        linkChannel.runPendingTasks();
        frontend.runPendingTasks();
    }

    /** Frames the server wrote to the first agent since the last call. */
    List<TunnelFrame> framesToAgent() {
        return first.frames();
    }

    private static List<TunnelFrame> drainFrames(EmbeddedChannel channel) {
        List<TunnelFrame> frames = new ArrayList<>();
        Object msg;
        while ((msg = channel.readOutbound()) != null) {
            frames.add((TunnelFrame) msg);
        }
        return frames;
    }

    /** Lets {@code millis} pass on the fixture's loop and runs what became due. */
    void advance(long millis) {
        frontend.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
        frontend.runScheduledPendingTasks();
        runTasks();
    }

    /** What the server wrote to the client since the last call, as text. */
    String toClient() {
        runTasks();
        return drain(frontend);
    }

    private static String drain(EmbeddedChannel channel) {
        StringBuilder sb = new StringBuilder();
        ByteBuf buf;
        while ((buf = channel.readOutbound()) != null) {
            sb.append(buf.toString(StandardCharsets.ISO_8859_1));
            buf.release();
        }
        return sb.toString();
    }

    void fromClient(String text) {
        frontend.writeInbound(Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1));
        runTasks();
    }

    void fromAgent(TunnelFrame frame) {
        first.fromAgent(frame);
    }

    /** How many CONNECTs /metrics counts with {@code status}. */
    long answered(int status) {
        return counted("tunnel_server_connect_requests", status);
    }

    /** How many forwarded (absolute-form) requests /metrics counts with {@code status}. */
    long forwarded(int status) {
        return counted("tunnel_server_forwarded_requests", status);
    }

    private long counted(String counter, int status) {
        return (long) metrics.registry().scrape().stream()
                .filter(s -> s.getMetadata().getPrometheusName().equals(counter))
                .flatMap(s -> s.getDataPoints().stream())
                .filter(p -> p.getLabels().get("status").equals(Integer.toString(status)))
                .mapToDouble(p -> ((CounterDataPointSnapshot) p).getValue())
                .sum();
    }

    @Override
    public void close() {
        authenticator.close();
        frontend.finishAndReleaseAll();
        for (AgentLink agentLink : links) {
            agentLink.channel.finishAndReleaseAll();
            Object msg;
            while ((msg = agentLink.channel.readOutbound()) != null) {
                ReferenceCountUtil.release(msg);
            }
        }
    }
}
