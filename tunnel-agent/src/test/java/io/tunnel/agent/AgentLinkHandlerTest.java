package io.tunnel.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.tunnel.core.PipelineNames;
import io.tunnel.core.link.TunnelLink;
import io.tunnel.core.link.TunnelStream;
import io.tunnel.core.protocol.DialFrame;
import io.tunnel.core.protocol.DialResultFrame;
import io.tunnel.core.protocol.GoAwayFrame;
import io.tunnel.core.protocol.ResetFrame;
import io.tunnel.core.protocol.TunnelErrorCode;
import io.tunnel.core.protocol.TunnelFrame;
import io.tunnel.core.protocol.TunnelSettings;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The agent's end of a link: each DIAL becomes a stream and a dial, within the limits and the id rules; GOAWAY both
 * ways (docs/protocol.md §6.7): a DIAL that crossed the agent's GOAWAY is served, the server's GOAWAY is answered and
 * reported, and once both were said the link closes when its last stream ends.
 */
class AgentLinkHandlerTest {
    private final List<DialFrame> dials = new ArrayList<>();
    private final List<TunnelStream> streams = new ArrayList<>();
    private final List<String> events = new ArrayList<>();
    private final EmbeddedChannel channel = new EmbeddedChannel();
    private TunnelLink link;
    private AgentLinkHandler handler;

    private void start(int maxStreams) {
        link = new TunnelLink(channel, "server", TunnelSettings.DEFAULT, TunnelSettings.DEFAULT, (l, s, r) -> { });
        handler = new AgentLinkHandler(link, (stream, dial) -> {
            streams.add(stream);
            dials.add(dial);
        }, maxStreams, "server-a", 2, new AgentLinks() {
            @Override
            public void established(ServerSet.Link established) {
                events.add("established");
            }

            @Override
            public void serverGoingAway() {
                events.add("server going away");
            }

            @Override
            public void closed(String why) {
                events.add("closed");
            }
        });
        channel.pipeline().addLast(PipelineNames.LINK, handler);
    }

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    private List<TunnelFrame> written() {
        channel.flush();
        List<TunnelFrame> frames = new ArrayList<>();
        for (Object frame; (frame = channel.readOutbound()) != null; ) {
            frames.add((TunnelFrame) frame);
        }
        return frames;
    }

    @Test
    void aDialBecomesAStreamToItsTarget() {
        start(10);
        DialFrame dial = new DialFrame(1, "fd00::5", 443, 1_000);
        channel.writeInbound(dial);

        assertThat(dials).containsExactly(dial);
        assertThat(streams).singleElement().satisfies(s -> {
            assertThat(s.id()).isEqualTo(1);
            assertThat(s.target()).isEqualTo("[fd00::5]:443");
        });
        assertThat(link.streamCount()).isEqualTo(1);
    }

    @Test
    void aDialBeyondTheStreamLimitIsRefusedAndTheLinkGoesOn() {
        start(1);
        channel.writeInbound(new DialFrame(1, "a", 1, 1_000));
        channel.writeInbound(new DialFrame(3, "b", 1, 1_000));

        assertThat(dials).hasSize(1);
        assertThat(written()).singleElement().isInstanceOfSatisfying(DialResultFrame.class,
                r -> assertThat(r.code()).isEqualTo(TunnelErrorCode.TOO_MANY_STREAMS));
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void aDialIdThatDoesNotIncreaseIsAProtocolError() {
        start(10);
        channel.writeInbound(new DialFrame(5, "a", 1, 1_000));
        channel.writeInbound(new DialFrame(5, "a", 1, 1_000));

        assertThat(dials).hasSize(1);
        assertThat((Object) channel.readOutbound()).isInstanceOfSatisfying(GoAwayFrame.class,
                g -> assertThat(g.code()).isEqualTo(TunnelErrorCode.PROTOCOL_ERROR));
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void aDialResultSentToTheAgentIsAProtocolError() {
        start(10);
        channel.writeInbound(new DialFrame(1, "a", 1, 1_000));
        channel.writeInbound(DialResultFrame.success(1));

        assertThat((Object) channel.readOutbound()).isInstanceOfSatisfying(GoAwayFrame.class,
                g -> assertThat(g.code()).isEqualTo(TunnelErrorCode.PROTOCOL_ERROR));
    }

    @Test
    void aDialThatCrossedTheAgentsGoAwayIsServedAndTheLinkClosesAfterTheServersAnswerOnceIdle() {
        start(10);
        channel.writeInbound(new DialFrame(1, "a", 1, 1_000));
        handler.goAway("agent shutting down");
        assertThat(written()).singleElement().isEqualTo(new GoAwayFrame(1, TunnelErrorCode.NO_ERROR,
                "agent shutting down"));

        channel.writeInbound(new DialFrame(2, "b", 1, 1_000)); // sent before the server read the GOAWAY
        assertThat(dials).extracting(DialFrame::host).containsExactly("a", "b");
        assertThat(written()).as("no refusal for the crossing DIAL").isEmpty();

        channel.writeInbound(new GoAwayFrame(2, TunnelErrorCode.NO_ERROR, "going away too"));
        assertThat(written()).as("the agent said GOAWAY first: no second one").isEmpty();
        assertThat(channel.isOpen()).as("two streams still open").isTrue();

        endStream(streams.get(0));
        assertThat(channel.isOpen()).isTrue();
        endStream(streams.get(1));
        assertThat(channel.isOpen()).as("both GOAWAYs said and no stream left").isFalse();
    }

    @Test
    void theServersGoAwayIsAnsweredAndReportedAndAnIdleLinkCloses() {
        start(10);
        channel.writeInbound(new GoAwayFrame(0, TunnelErrorCode.NO_ERROR, "server shutting down"));

        assertThat(events).containsExactly("server going away");
        assertThat(written()).singleElement().isInstanceOfSatisfying(GoAwayFrame.class,
                g -> assertThat(g.code()).isEqualTo(TunnelErrorCode.NO_ERROR));
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void aDialAfterTheServersOwnGoAwayIsRefused() {
        start(10);
        channel.writeInbound(new DialFrame(1, "a", 1, 1_000));
        channel.writeInbound(new GoAwayFrame(1, TunnelErrorCode.NO_ERROR, "server shutting down"));
        written();
        channel.writeInbound(new DialFrame(2, "b", 1, 1_000));

        assertThat(dials).hasSize(1);
        assertThat(written()).singleElement().isInstanceOfSatisfying(DialResultFrame.class,
                r -> assertThat(r.code()).isEqualTo(TunnelErrorCode.TOO_MANY_STREAMS));
    }

    @Test
    void aGoAwayWithAnErrorClosesAtOnceAndIsNotReportedAsADrain() {
        start(10);
        channel.writeInbound(new DialFrame(1, "a", 1, 1_000));
        channel.writeInbound(new GoAwayFrame(1, TunnelErrorCode.INTERNAL_ERROR, "broken"));

        assertThat(events).isEmpty();
        assertThat(channel.isOpen()).isFalse();
    }

    /** The server ends the stream (it never connected: the fake dialer leaves it dialling). */
    private void endStream(TunnelStream stream) {
        channel.writeInbound(new ResetFrame(stream.id(), TunnelErrorCode.CANCEL));
        written();
    }
}
