package io.tunnel.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunnel.core.protocol.AgentIdentifiers;
import io.tunnel.core.protocol.DialFrame;
import io.tunnel.core.protocol.DialResultFrame;
import io.tunnel.core.protocol.GoAwayFrame;
import io.tunnel.core.protocol.PingFrame;
import io.tunnel.core.protocol.ResetFrame;
import io.tunnel.core.protocol.TunnelErrorCode;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The server's end of a link: streams for CONNECTs, their limits, the dial timer, frames only agents send, and GOAWAY
 * both ways (docs/protocol.md §6.7).
 */
class ServerLinkHandlerTest {
    private static final String CONNECT = "CONNECT db.internal:5432 HTTP/1.1\r\n\r\n";

    private LinkFixture fixture;

    @AfterEach
    void close() {
        fixture.close();
    }

    @Test
    void aDialWithoutAnAnswerInTimeIsAnswered504AndCancelled() {
        fixture = new LinkFixture();
        fixture.frontendPipeline(true);
        fixture.fromClient(CONNECT);
        assertThat(fixture.framesToAgent()).hasSize(1);

        fixture.linkChannel.advanceTimeBy(fixture.config.dialTimeout().toMillis(), TimeUnit.MILLISECONDS);
        fixture.linkChannel.runScheduledPendingTasks();
        assertThat(fixture.framesToAgent()).as("a PING for the silent DIAL (SuspectLinkTest), then the RESET")
                .filteredOn(f -> !(f instanceof PingFrame)).containsExactly(new ResetFrame(1, TunnelErrorCode.CANCEL));
        assertThat(fixture.toClient()).startsWith("HTTP/1.1 504 Gateway Timeout\r\n");
        assertThat(fixture.answered(504)).isEqualTo(1);
    }

    @Test
    void anOpenStreamKeepsNothingOfItsOpening() throws InterruptedException {
        fixture = new LinkFixture();
        fixture.frontendPipeline(true);
        ReferenceQueue<ConnectHandler> collected = new ReferenceQueue<>();
        WeakReference<ConnectHandler> handler =
                new WeakReference<>(fixture.frontend.pipeline().get(ConnectHandler.class), collected);
        fixture.fromClient("CONNECT db.internal:5432 HTTP/1.1\r\nProxy-Authorization: Basic c2VjcmV0\r\n\r\n");
        fixture.fromAgent(DialResultFrame.success(1));
        assertThat(fixture.toClient()).startsWith("HTTP/1.1 200 ");
        assertThat(fixture.frontend.pipeline().get(ConnectHandler.class)).isNull();

        // The request (its credentials among it) and the handler that read it go with the opening, not with the stream.
        // A collection clears the reference and enqueues it; wait for that, at most 10 collections of 500 ms each.
        for (int i = 0; i < 10 && handler.get() != null; i++) {
            System.gc();
            collected.remove(500);
        }
        assertThat(handler.get()).as("the CONNECT handler, once out of the pipeline").isNull();
        assertThat(fixture.frontend.isActive()).as("while the tunnel is open").isTrue();
    }

    @Test
    void pendingDialsBeyondTheLimitAreAnswered503() {
        fixture = new LinkFixture(flags -> flags.limits.maxPendingDials = 1);
        fixture.frontendPipeline(true);
        fixture.fromClient(CONNECT);
        assertThat(fixture.framesToAgent()).hasSize(1);

        LinkFixture.Frontend second = fixture.newFrontend(true);
        second.fromClient(CONNECT);
        assertThat(second.toClient()).startsWith("HTTP/1.1 503 Service Unavailable\r\n");
        assertThat(fixture.framesToAgent()).as("no DIAL for it").isEmpty();
        second.close();
    }

    @Test
    void streamsBeyondWhatTheAgentAcceptsAreAnswered503() {
        fixture = new LinkFixture(flags -> flags.limits.maxStreamsPerAgent = 1);
        fixture.frontendPipeline(true);
        fixture.fromClient(CONNECT);
        fixture.fromAgent(DialResultFrame.success(1));
        fixture.toClient();

        LinkFixture.Frontend second = fixture.newFrontend(true);
        second.fromClient(CONNECT);
        assertThat(second.toClient()).startsWith("HTTP/1.1 503 Service Unavailable\r\n");
        second.close();
    }

    @Test
    void aDialResultForAStreamNeverOpenedIsAProtocolError() {
        fixture = new LinkFixture();
        fixture.fromAgent(DialResultFrame.success(9));

        assertThat(fixture.framesToAgent()).singleElement().isInstanceOfSatisfying(GoAwayFrame.class,
                g -> assertThat(g.code()).isEqualTo(TunnelErrorCode.PROTOCOL_ERROR));
        assertThat(fixture.linkChannel.isOpen()).isFalse();
    }

    @Test
    void aDialSentToTheServerIsAProtocolError() {
        fixture = new LinkFixture();
        fixture.fromAgent(new DialFrame(1, "x", 1, 1));

        assertThat(fixture.framesToAgent()).singleElement().isInstanceOfSatisfying(GoAwayFrame.class,
                g -> assertThat(g.code()).isEqualTo(TunnelErrorCode.PROTOCOL_ERROR));
    }

    @Test
    void theLinkLeavesTheRegistryWhenItCloses() {
        fixture = new LinkFixture();
        assertThat(fixture.registry.links()).containsExactly(fixture.linkHandler);

        fixture.linkChannel.close();
        fixture.runTasks();
        assertThat(fixture.registry.isEmpty()).isTrue();
    }

    @Test
    void shuttingDownSaysGoAwayAndCloses() {
        fixture = new LinkFixture();
        fixture.frontendPipeline(true);
        fixture.fromClient(CONNECT);
        fixture.fromAgent(DialResultFrame.success(1));
        fixture.framesToAgent();

        fixture.linkHandler.shutDown();
        assertThat(fixture.framesToAgent()).containsExactly(
                new GoAwayFrame(1, TunnelErrorCode.NO_ERROR, "server shutting down"));
        assertThat(fixture.linkChannel.isOpen()).isFalse();
        assertThat(fixture.frontend.isOpen()).as("its streams end with it").isFalse();
    }

    @Test
    void aDialThatCrossesTheAgentsGoAwayIsAnsweredAndTheLinkClosesWhenItsStreamEnds() {
        fixture = new LinkFixture();
        fixture.frontendPipeline(true);
        fixture.fromClient(CONNECT);
        assertThat(fixture.framesToAgent()).singleElement().isInstanceOf(DialFrame.class);

        fixture.fromAgent(new GoAwayFrame(0, TunnelErrorCode.NO_ERROR, "agent shutting down"));
        assertThat(fixture.framesToAgent()).as("the server answers: no DIAL after this")
                .containsExactly(new GoAwayFrame(1, TunnelErrorCode.NO_ERROR, "going away too"));
        assertThat(fixture.router.choose(new ConnectRequest("db.internal", 5432), List.of()).found())
                .as("the agent is no longer chosen").isFalse();
        assertThat(fixture.linkChannel.isOpen()).as("a dial is pending").isTrue();

        fixture.fromAgent(DialResultFrame.success(1));
        assertThat(fixture.toClient()).startsWith("HTTP/1.1 200 ");
        assertThat(fixture.linkChannel.isOpen()).isTrue();
        fixture.frontend.close();
        fixture.runTasks();
        assertThat(fixture.linkChannel.isOpen()).as("both said GOAWAY and no stream is left").isFalse();
        assertThat(fixture.registry.isEmpty()).isTrue();
    }

    @Test
    void aDrainingServerOpensNoStreamAndClosesTheLinkOnceTheAgentAnsweredAndItsStreamsEnded() {
        fixture = new LinkFixture();
        fixture.frontendPipeline(true);
        fixture.fromClient(CONNECT);
        fixture.fromAgent(DialResultFrame.success(1));
        fixture.toClient();
        fixture.framesToAgent();

        fixture.linkHandler.goAwayGracefully("server shutting down");
        assertThat(fixture.framesToAgent()).containsExactly(
                new GoAwayFrame(1, TunnelErrorCode.NO_ERROR, "server shutting down"));
        LinkFixture.Frontend late = fixture.newFrontend(true);
        late.fromClient(CONNECT);
        assertThat(late.toClient()).startsWith("HTTP/1.1 503 ");
        assertThat(fixture.framesToAgent()).as("no DIAL after the server's GOAWAY").isEmpty();
        late.close();

        fixture.fromAgent(new GoAwayFrame(1, TunnelErrorCode.NO_ERROR, "going away too"));
        assertThat(fixture.framesToAgent()).as("said once").isEmpty();
        assertThat(fixture.linkChannel.isOpen()).as("its stream goes on").isTrue();
        fixture.fromAgent(new ResetFrame(1, TunnelErrorCode.CANCEL));
        assertThat(fixture.linkChannel.isOpen()).isFalse();
    }

    @Test
    void aRequestWhoseLinkWentAwayAfterTheChoiceIsOfferedToAnotherAgent() {
        fixture = new LinkFixture();
        LinkFixture.AgentLink other = fixture.addLink("agent-2", AgentIdentifiers.NONE);
        List<ServerLinkHandler> offered = new ArrayList<>();
        fixture.frontendPipeline((request, excluded) -> {
            // The first link chosen says GOAWAY before the request reaches it.
            ServerLinkHandler chosen = excluded.contains(fixture.linkHandler) ? other.handler : fixture.linkHandler;
            offered.add(chosen);
            if (chosen == fixture.linkHandler) {
                fixture.linkChannel.writeInbound(new GoAwayFrame(0, TunnelErrorCode.NO_ERROR, "agent shutting down"));
            }
            return AgentChoice.of(chosen, "test");
        });
        fixture.fromClient(CONNECT);

        assertThat(offered).containsExactly(fixture.linkHandler, other.handler);
        assertThat(other.frames()).singleElement().isInstanceOf(DialFrame.class);
        other.fromAgent(DialResultFrame.success(1));
        assertThat(fixture.toClient()).startsWith("HTTP/1.1 200 ");
    }

    @Test
    void aRequestWhoseOnlyLinkIsGoingAwayIsAnswered503() {
        fixture = new LinkFixture();
        fixture.frontendPipeline((request, excluded) -> excluded.contains(fixture.linkHandler)
                ? AgentChoice.none("no agent connected") : AgentChoice.of(fixture.linkHandler, "test"));
        fixture.linkHandler.goAwayGracefully("server shutting down");
        fixture.fromClient(CONNECT);
        assertThat(fixture.toClient()).startsWith("HTTP/1.1 503 ");
        assertThat(fixture.framesToAgent()).extracting(f -> f.getClass().getSimpleName()).containsOnly("GoAwayFrame");
    }
}
