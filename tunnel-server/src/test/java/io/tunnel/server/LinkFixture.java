package io.tunnel.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.tunnel.core.PipelineNames;
import io.tunnel.core.link.TunnelLink;
import io.tunnel.core.protocol.TunnelFrame;
import io.tunnel.core.protocol.TunnelSettings;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A frontend connection and an agent link as {@link EmbeddedChannel}s on one event loop (as the server moves a
 * connection onto its link's loop): the frontend carries bytes, the link carries frames as objects.
 */
final class LinkFixture implements AutoCloseable {
    final ServerConfig config;
    final AgentRegistry registry = new AgentRegistry();
    final ServerMetrics metrics = new ServerMetrics(registry);
    final AccessLog accessLog = new AccessLog(metrics);
    final EmbeddedChannel frontend = new EmbeddedChannel();
    final EmbeddedChannel linkChannel = new EmbeddedChannel(false, false);
    final TunnelLink link;
    final ServerLinkHandler linkHandler;
    final FrontendAnswer answer;

    LinkFixture() {
        this(flags -> { });
    }

    LinkFixture(Consumer<ServerFlags> customize) {
        ServerFlags flags = new ServerFlags();
        flags.frontend.allowPlaintext = true;
        customize.accept(flags);
        config = flags.toConfig();
        frontend.eventLoop().register(linkChannel).syncUninterruptibly();
        link = new TunnelLink(linkChannel, "agent-1", config.linkSettings(), TunnelSettings.DEFAULT, accessLog);
        linkHandler = new ServerLinkHandler(link, config, registry, accessLog);
        linkChannel.pipeline().addLast(PipelineNames.LINK, linkHandler);
        answer = new FrontendAnswer(frontend, accessLog);
    }

    /** Adds the frontend's CONNECT handlers, choosing this fixture's link (or none). */
    void frontendPipeline(boolean withAgent) {
        connectPipeline(frontend, answer, withAgent);
    }

    /** Adds the frontend's CONNECT handlers with {@code chooser}. */
    void frontendPipeline(AgentChooser chooser) {
        connectPipeline(frontend, answer, chooser);
    }

    private void connectPipeline(EmbeddedChannel channel, FrontendAnswer answer, boolean withAgent) {
        connectPipeline(channel, answer, request -> withAgent ? linkHandler : null);
    }

    private void connectPipeline(EmbeddedChannel channel, FrontendAnswer answer, AgentChooser chooser) {
        channel.pipeline()
                .addLast(PipelineNames.CONNECT_DECODER, new ConnectRequestDecoder())
                .addLast(PipelineNames.CONNECT, new ConnectHandler(Duration.ofSeconds(10), chooser, answer));
    }

    /** Another agent's link on the same loop; its channel is the caller's to finish. */
    ServerLinkHandler newLink(String agentId) {
        EmbeddedChannel channel = new EmbeddedChannel(false, false);
        frontend.eventLoop().register(channel).syncUninterruptibly();
        TunnelLink other = new TunnelLink(channel, agentId, config.linkSettings(), TunnelSettings.DEFAULT, accessLog);
        ServerLinkHandler handler = new ServerLinkHandler(other, config, registry, accessLog);
        channel.pipeline().addLast(PipelineNames.LINK, handler);
        return handler;
    }

    /** Another frontend connection on the same loop, with its CONNECT handlers. */
    Frontend newFrontend(boolean withAgent) {
        EmbeddedChannel channel = new EmbeddedChannel(false, false);
        frontend.eventLoop().register(channel).syncUninterruptibly();
        connectPipeline(channel, new FrontendAnswer(channel, accessLog), withAgent);
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

    /** Frames the server wrote to the agent since the last call. */
    List<TunnelFrame> framesToAgent() {
        runTasks();
        List<TunnelFrame> frames = new ArrayList<>();
        Object msg;
        while ((msg = linkChannel.readOutbound()) != null) {
            frames.add((TunnelFrame) msg);
        }
        return frames;
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
        linkChannel.writeInbound(frame);
        runTasks();
    }

    /** How many CONNECTs /metrics counts with {@code status}. */
    long answered(int status) {
        return (long) metrics.registry().scrape().stream()
                .filter(s -> s.getMetadata().getPrometheusName().equals("tunnel_server_connect_requests"))
                .flatMap(s -> s.getDataPoints().stream())
                .filter(p -> p.getLabels().get("status").equals(Integer.toString(status)))
                .mapToDouble(p -> ((CounterDataPointSnapshot) p).getValue())
                .sum();
    }

    @Override
    public void close() {
        frontend.finishAndReleaseAll();
        linkChannel.finishAndReleaseAll();
        Object msg;
        while ((msg = linkChannel.readOutbound()) != null) {
            ReferenceCountUtil.release(msg);
        }
    }
}
