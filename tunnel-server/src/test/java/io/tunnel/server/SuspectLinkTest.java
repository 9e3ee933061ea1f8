package io.tunnel.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunnel.core.PipelineNames;
import io.tunnel.core.protocol.AgentIdentifiers;
import io.tunnel.core.protocol.DataFrame;
import io.tunnel.core.protocol.DialFrame;
import io.tunnel.core.protocol.DialResultFrame;
import io.tunnel.core.protocol.PingFrame;
import io.tunnel.core.protocol.PongFrame;
import io.tunnel.core.protocol.ResetFrame;
import io.tunnel.core.protocol.TunnelErrorCode;
import io.tunnel.core.protocol.TunnelFrame;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A link gone silent is found within two seconds and its pending dials go to another link (time advanced on the
 * fixture's loop, frozen otherwise): a DIAL unanswered for {@value PendingDials#DIAL_SILENCE_MILLIS} ms makes a PING,
 * nothing read within {@value PendingDials#PROBE_TIMEOUT_MILLIS} ms makes the link suspect. Also the other ways a
 * link can fail a connection before it opened (lost, no room, a limit) and the connection still gets its 200.
 *
 * <p>agent-1 claims {@code host=db.internal}, so the destHost strategy gives it every CONNECT to db.internal; agent-2
 * said {@code default-route=true}, the fallback.
 */
class SuspectLinkTest {
    private static final String CONNECT = "CONNECT db.internal:5432 HTTP/1.1\r\n\r\n";
    private static final String ESTABLISHED = "HTTP/1.1 200 Connection established\r\n\r\n";
    private static final DialFrame DIAL_1 = new DialFrame(1, "db.internal", 5432, 5_000);

    private LinkFixture fixture;
    private LinkFixture.AgentLink agent1;
    private LinkFixture.AgentLink agent2;

    @BeforeEach
    void start() {
        start(flags -> { });
    }

    private void start(Consumer<ServerFlags> customize) {
        if (fixture != null) {
            fixture.close();
        }
        fixture = new LinkFixture(customize);
        fixture.frontend.freezeTime();
        fixture.registry.remove(fixture.linkHandler); // the fixture's own link stays out of these choices
        agent1 = fixture.addLink("agent-1", AgentIdentifiers.parse("host=db.internal"));
        agent2 = fixture.addLink("agent-2", AgentIdentifiers.parse("default-route=true"));
        fixture.frontendPipeline(true);
    }

    @AfterEach
    void close() {
        fixture.close();
    }

    /** Time passes without a word from agent-1: the DIAL goes unanswered, then the PING. */
    private void silence() {
        fixture.advance(PendingDials.DIAL_SILENCE_MILLIS);
        fixture.advance(PendingDials.PROBE_TIMEOUT_MILLIS);
    }

    @Test
    void aSilentLinkIsPingedThenSuspectAndItsDialGoesToAnotherLink() {
        fixture.fromClient(CONNECT + "early");
        assertThat(agent1.frames()).containsExactly(DIAL_1);

        fixture.advance(PendingDials.DIAL_SILENCE_MILLIS - 1);
        assertThat(agent1.frames()).as("not yet").isEmpty();
        fixture.advance(1);
        assertThat(agent1.frames()).singleElement().isInstanceOf(PingFrame.class);
        assertThat(agent1.handler.isSuspect()).isFalse();

        fixture.advance(PendingDials.PROBE_TIMEOUT_MILLIS);
        assertThat(agent1.handler.isSuspect()).isTrue();
        assertThat(agent1.frames()).as("the DIAL taken back").containsExactly(new ResetFrame(1, TunnelErrorCode.CANCEL));
        assertThat(agent2.frames()).containsExactly(DIAL_1);
        assertThat(fixture.toClient()).as("nothing said to the client yet").isEmpty();

        agent2.fromAgent(DialResultFrame.success(1));
        assertThat(fixture.toClient()).isEqualTo(ESTABLISHED);
        List<TunnelFrame> data = agent2.frames();
        assertThat(data).singleElement().isInstanceOfSatisfying(DataFrame.class, d -> {
            assertThat(d.content().toString(StandardCharsets.US_ASCII)).isEqualTo("early");
            d.release();
        });
        assertThat(fixture.frontend.pipeline().names()).containsOnlyOnce(PipelineNames.RELAY);
        assertThat(fixture.answered(503)).as("the withdrawn dial is no answer").isZero();
        assertThat(agent1.link.openStreams()).isZero();
        assertThat(agent2.link.openStreams()).isEqualTo(1);

        agent1.fromAgent(DialResultFrame.success(1)); // crossed the RESET: ignored
        assertThat(agent1.frames()).isEmpty();
        assertThat(agent1.channel.isOpen()).isTrue();
    }

    @Test
    void aSuspectLinkGetsNoNewStreamUntilSomethingIsReadFromIt() {
        fixture.fromClient(CONNECT);
        silence();
        assertThat(agent1.handler.isSuspect()).isTrue();
        agent1.frames();

        LinkFixture.Frontend next = fixture.newFrontend(true);
        next.fromClient(CONNECT);
        assertThat(agent1.frames()).as("no DIAL for the suspect link").isEmpty();
        assertThat(agent2.frames()).hasSize(2);

        agent1.fromAgent(new PongFrame(42));
        assertThat(agent1.handler.isSuspect()).isFalse();
        LinkFixture.Frontend after = fixture.newFrontend(true);
        after.fromClient(CONNECT);
        assertThat(agent1.frames()).singleElement().isInstanceOf(DialFrame.class);
        next.close();
        after.close();
    }

    @Test
    void anAnsweredPingVouchesForTheSlowDialOnce() {
        fixture.fromClient(CONNECT);
        agent1.frames();
        fixture.advance(PendingDials.DIAL_SILENCE_MILLIS);
        PingFrame ping = (PingFrame) agent1.frames().get(0);
        agent1.fromAgent(new PongFrame(ping.payload()));

        fixture.advance(5 * PendingDials.DIAL_SILENCE_MILLIS);
        assertThat(agent1.frames()).as("the agent read the DIAL: a slow destination, not a silent link").isEmpty();
        assertThat(agent1.handler.isSuspect()).isFalse();
        assertThat(fixture.toClient()).isEmpty();

        agent1.fromAgent(DialResultFrame.success(1));
        assertThat(fixture.toClient()).isEqualTo(ESTABLISHED);
    }

    @Test
    void withoutAnotherCandidateTheDialWaitsOnTheSuspectLink() {
        fixture.registry.remove(agent2.handler);
        fixture.fromClient(CONNECT);
        agent1.frames();
        silence();

        assertThat(agent1.handler.isSuspect()).isTrue();
        assertThat(agent1.frames()).as("a PING, no RESET").singleElement().isInstanceOf(PingFrame.class);
        agent1.fromAgent(DialResultFrame.success(1));
        assertThat(fixture.toClient()).isEqualTo(ESTABLISHED);
        assertThat(agent1.handler.isSuspect()).isFalse();
    }

    @Test
    void aDialOnALinkThatIsLostGoesToAnotherLink() {
        fixture.fromClient(CONNECT);
        assertThat(agent1.frames()).containsExactly(DIAL_1);

        agent1.channel.close();
        fixture.runTasks();
        assertThat(agent2.frames()).containsExactly(DIAL_1);
        agent2.fromAgent(DialResultFrame.success(1));
        assertThat(fixture.toClient()).isEqualTo(ESTABLISHED);
        assertThat(fixture.answered(503)).isZero();
    }

    @Test
    void aDialTheAgentHadNoRoomForGoesToAnotherLink() {
        fixture.fromClient(CONNECT);
        agent1.frames();
        agent1.fromAgent(DialResultFrame.failure(1, TunnelErrorCode.TOO_MANY_STREAMS, "full"));

        assertThat(agent2.frames()).containsExactly(DIAL_1);
        agent2.fromAgent(DialResultFrame.success(1));
        assertThat(fixture.toClient()).isEqualTo(ESTABLISHED);
    }

    @Test
    void aDestinationThatRefusedIsNotTriedElsewhere() {
        fixture.fromClient(CONNECT);
        agent1.frames();
        agent1.fromAgent(DialResultFrame.failure(1, TunnelErrorCode.CONNECTION_REFUSED, "refused"));

        assertThat(fixture.toClient()).startsWith("HTTP/1.1 502 Bad Gateway\r\n");
        assertThat(agent2.frames()).isEmpty();
    }

    @Test
    void eachLinkIsTriedOnceThenTheLastFailureIsTheAnswer() {
        fixture.fromClient(CONNECT);
        agent1.fromAgent(DialResultFrame.failure(1, TunnelErrorCode.TOO_MANY_STREAMS, "full"));
        agent2.fromAgent(DialResultFrame.failure(1, TunnelErrorCode.TOO_MANY_STREAMS, "full"));

        assertThat(fixture.toClient()).startsWith("HTTP/1.1 503 Service Unavailable\r\n");
        assertThat(fixture.answered(503)).isEqualTo(1);
    }

    @Test
    void aLinkAtItsPendingDialsLimitPassesTheConnectionOn() {
        start(flags -> flags.limits.maxPendingDials = 1);
        fixture.fromClient(CONNECT);
        assertThat(agent1.frames()).containsExactly(DIAL_1);

        LinkFixture.Frontend second = fixture.newFrontend(true);
        second.fromClient(CONNECT);
        assertThat(agent1.frames()).isEmpty();
        assertThat(agent2.frames()).containsExactly(DIAL_1);
        second.close();
    }
}
