package io.tunnel.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.tunnel.core.PipelineNames;
import io.tunnel.core.link.TunnelLink;
import io.tunnel.core.link.TunnelStream;
import io.tunnel.core.protocol.DialFrame;
import io.tunnel.core.protocol.DialResultFrame;
import io.tunnel.core.protocol.GoAwayFrame;
import io.tunnel.core.protocol.TunnelErrorCode;
import io.tunnel.core.protocol.TunnelSettings;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The agent's end of a link: each DIAL becomes a stream and a dial, within the limits and the id rules. */
class AgentLinkHandlerTest {
    private final List<DialFrame> dials = new ArrayList<>();
    private final List<TunnelStream> streams = new ArrayList<>();
    private final EmbeddedChannel channel = new EmbeddedChannel();
    private TunnelLink link;

    private void start(int maxStreams) {
        link = new TunnelLink(channel, "server", TunnelSettings.DEFAULT, TunnelSettings.DEFAULT, (l, s, r) -> { });
        channel.pipeline().addLast(PipelineNames.LINK, new AgentLinkHandler(link, (stream, dial) -> {
            streams.add(stream);
            dials.add(dial);
        }, maxStreams));
    }

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
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
        channel.flush();
        assertThat((Object) channel.readOutbound()).isInstanceOfSatisfying(DialResultFrame.class,
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
}
