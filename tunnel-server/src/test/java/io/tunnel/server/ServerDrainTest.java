package io.tunnel.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.tunnel.core.link.TunnelLink;
import io.tunnel.core.protocol.AgentIdentifiers;
import io.tunnel.core.protocol.GoAwayFrame;
import io.tunnel.core.protocol.ResetFrame;
import io.tunnel.core.protocol.TunnelErrorCode;
import io.tunnel.core.protocol.TunnelFrame;
import io.tunnel.core.protocol.TunnelSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The server's drain, on one event loop whose clock the test holds: the listeners close (after the shutdown delay, if
 * any); GOAWAY only after the connections accepted before have chosen their agent, then every link drains; done when
 * no link is left, or at the timeout (header timeout 10 s, graceful-shutdown timeout 30 s).
 */
class ServerDrainTest {
    private static final Duration CHOOSE_LIMIT = Duration.ofSeconds(10);
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final Duration DELAY = Duration.ofSeconds(2);

    private final EmbeddedChannel loop = new EmbeddedChannel();
    private final AgentRegistry registry = new AgentRegistry();
    private final AtomicInteger choosing = new AtomicInteger();
    private final List<EmbeddedChannel> links = new ArrayList<>();
    private final AtomicInteger listenerCloses = new AtomicInteger();
    private ServerDrain drain;

    @AfterEach
    void close() {
        for (EmbeddedChannel link : links) {
            link.finishAndReleaseAll();
        }
        loop.finishAndReleaseAll();
    }

    private void start() {
        start(Duration.ZERO);
    }

    private void start(Duration delay) {
        ServerFlags flags = new ServerFlags();
        flags.frontend.allowPlaintext = true;
        flags.frontend.headerTimeout = CHOOSE_LIMIT;
        flags.fleet.drain.gracefulShutdownTimeout = TIMEOUT;
        flags.fleet.shutdownDelay = delay;
        loop.freezeTime();
        drain = new ServerDrain(loop.eventLoop(), flags.toConfig(), registry, choosing::get,
                listenerCloses::incrementAndGet);
        drain.start();
        run();
    }

    /** An agent link on the drain's loop, registered as after its handshake, carrying {@code streams} streams. */
    private ServerLinkHandler link(int streams) {
        EmbeddedChannel channel = new EmbeddedChannel(false, false);
        loop.eventLoop().register(channel).syncUninterruptibly();
        links.add(channel);
        TunnelLink link = new TunnelLink(channel, "agent-" + links.size(), TunnelSettings.DEFAULT,
                TunnelSettings.DEFAULT, (l, stream, result) -> { });
        ServerLinkHandler handler = new ServerLinkHandler(link, null, registry, null, AgentIdentifiers.NONE);
        channel.pipeline().addLast(handler);
        registry.add(handler, true);
        for (int i = 0; i < streams; i++) {
            link.newStream(link.nextStreamId(), "destination:80", "client");
        }
        return handler;
    }

    private void run() {
        loop.runPendingTasks();
    }

    /** Lets {@code millis} pass as a running loop sees it: one poll period at a time. */
    private void advance(long millis) {
        for (long left = millis; left > 0; left -= ServerDrain.POLL_MILLIS) {
            loop.advanceTimeBy(Math.min(left, ServerDrain.POLL_MILLIS), TimeUnit.MILLISECONDS);
            run();
        }
    }

    private static List<TunnelFrame> written(ServerLinkHandler handler) {
        EmbeddedChannel channel = (EmbeddedChannel) handler.link().channel();
        channel.flush();
        List<TunnelFrame> frames = new ArrayList<>();
        for (Object frame; (frame = channel.readOutbound()) != null; ) {
            frames.add((TunnelFrame) frame);
        }
        return frames;
    }

    @Test
    void goAwayWaitsForTheConnectionsStillChoosingThenTheLinksDrainAndTheDrainEnds() {
        ServerLinkHandler busy = link(1);
        ServerLinkHandler idle = link(0);
        choosing.set(1);
        start();
        assertThat(listenerCloses).as("at once, without a shutdown delay").hasValue(1);

        advance(5_000);
        assertThat(written(busy)).as("a connection accepted before the drain has not chosen yet").isEmpty();
        choosing.set(0);
        advance(ServerDrain.POLL_MILLIS);
        assertThat(written(busy)).as("its stream needs time to reach its link").isEmpty();
        advance(ServerDrain.HANDOFF_MILLIS);
        assertThat(written(busy)).containsExactly(new GoAwayFrame(1, TunnelErrorCode.NO_ERROR,
                "server shutting down"));
        assertThat(written(idle)).hasSize(1);

        ((EmbeddedChannel) idle.link().channel()).writeInbound(new GoAwayFrame(0, TunnelErrorCode.NO_ERROR, "ok"));
        run();
        assertThat(idle.link().channel().isOpen()).as("answered, idle: closed").isFalse();
        ((EmbeddedChannel) busy.link().channel()).writeInbound(new GoAwayFrame(1, TunnelErrorCode.NO_ERROR, "ok"));
        advance(ServerDrain.POLL_MILLIS);
        CompletableFuture<Void> done = drain.done();
        assertThat(done).as("a stream is still open").isNotDone();

        ((EmbeddedChannel) busy.link().channel()).writeInbound(new ResetFrame(1, TunnelErrorCode.CANCEL));
        advance(ServerDrain.POLL_MILLIS);
        assertThat(registry.isEmpty()).isTrue();
        assertThat(done).isDone();
    }

    @Test
    void aConnectionThatNeverChoosesDelaysTheGoAwayNoLongerThanTheHeaderTimeout() {
        ServerLinkHandler handler = link(1);
        choosing.set(1);
        start();
        advance(CHOOSE_LIMIT.toMillis() + ServerDrain.HANDOFF_MILLIS + ServerDrain.POLL_MILLIS);
        assertThat(written(handler)).hasSize(1);
    }

    @Test
    void aLinkThatJoinsDuringTheDrainIsToldToo() {
        link(1);
        start();
        advance(ServerDrain.HANDOFF_MILLIS + ServerDrain.POLL_MILLIS);
        ServerLinkHandler late = link(1);
        advance(ServerDrain.POLL_MILLIS);
        assertThat(written(late)).singleElement().isInstanceOf(GoAwayFrame.class);
        advance(1_000);
        assertThat(written(late)).as("once").isEmpty();
    }

    @Test
    void theTimeoutEndsTheDrainWithStreamsStillOpen() {
        link(1);
        start();
        advance(TIMEOUT.toMillis() - 1_000);
        assertThat(drain.done()).isNotDone();
        advance(1_000);
        assertThat(drain.done()).isDone();
        assertThat(registry.size()).as("what is left is closed with the server").isEqualTo(1);
    }

    @Test
    void withoutAgentLinksTheDrainEndsOnceTheConnectionsHaveChosen() {
        start();
        advance(ServerDrain.HANDOFF_MILLIS + ServerDrain.POLL_MILLIS);
        assertThat(drain.done()).isDone();
    }

    @Test
    void duringTheShutdownDelayTheListenersStayOpenAndTheLinksTakeStreams() {
        ServerLinkHandler handler = link(1);
        start(DELAY);
        advance(DELAY.toMillis() - ServerDrain.POLL_MILLIS);
        assertThat(listenerCloses).hasValue(0);
        assertThat(written(handler)).isEmpty();
        assertThat(handler.acceptsStreams()).isTrue();

        advance(ServerDrain.POLL_MILLIS);
        assertThat(listenerCloses).hasValue(1);
        advance(ServerDrain.HANDOFF_MILLIS);
        assertThat(written(handler)).singleElement().isInstanceOf(GoAwayFrame.class);
        assertThat(listenerCloses).as("once").hasValue(1);
    }
}
