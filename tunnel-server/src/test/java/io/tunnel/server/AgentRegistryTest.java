package io.tunnel.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.tunnel.core.link.TunnelLink;
import io.tunnel.core.protocol.GoAwayFrame;
import io.tunnel.core.protocol.TunnelErrorCode;
import io.tunnel.core.protocol.TunnelSettings;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Which agent link {@link AgentRegistry#pick()} hands a new stream to. */
class AgentRegistryTest {
    /** Picks among three links: the chance that one of them is never picked by chance is about 3 in 10^52. */
    private static final int PICKS = 300;

    private final AgentRegistry registry = new AgentRegistry();
    private final List<EmbeddedChannel> channels = new ArrayList<>();

    @AfterEach
    void closeChannels() {
        for (EmbeddedChannel channel : channels) {
            assertThat(channel.finishAndReleaseAll()).as("nothing written or read is left").isFalse();
        }
    }

    @Test
    void noAgentConnectedIsNull() {
        assertThat(registry.pick()).isNull();
        assertThat(registry.isEmpty()).isTrue();
        assertThat(registry.size()).isZero();
    }

    @Test
    void theOnlyLinkIsPickedEveryTime() {
        assertAlwaysPicked(registered("agent-1"));
    }

    @Test
    void aLinkGoingAwayIsNotPickedButStillCounted() {
        ServerLinkHandler draining = registered("draining");
        ServerLinkHandler open = registered("open");
        goAway(draining);
        assertThat(draining.link().channel().isActive()).as("a GOAWAY without error only drains").isTrue();
        assertAlwaysPicked(open);
        assertThat(registry.size()).as("draining links stay registered until they close").isEqualTo(2);
    }

    /** Between the close of a link and its removal (on the link's own loop) the registry must not pick it. */
    @Test
    void aClosedLinkNotYetRemovedIsNotPicked() {
        ServerLinkHandler closed = registered("closed");
        ServerLinkHandler open = registered("open");
        closeBeforeRemoval(closed);
        assertThat(registry.size()).isEqualTo(2);
        assertAlwaysPicked(open);
    }

    @Test
    void noLinkAcceptingStreamsIsNull() {
        goAway(registered("draining"));
        closeBeforeRemoval(registered("closed"));
        assertThat(registry.pick()).isNull();
        assertThat(registry.isEmpty()).isFalse();
    }

    @Test
    void aRemovedLinkIsNotPicked() {
        ServerLinkHandler gone = registered("gone");
        ServerLinkHandler open = registered("open");
        registry.remove(gone);
        assertThat(registry.size()).isEqualTo(1);
        assertAlwaysPicked(open);
        registry.remove(open);
        assertThat(registry.pick()).isNull();
        assertThat(registry.isEmpty()).isTrue();
    }

    @Test
    void picksAtRandomAmongSeveralLinks() {
        List<ServerLinkHandler> links = List.of(registered("a"), registered("b"), registered("c"));
        goAway(registered("draining"));
        Map<ServerLinkHandler, Integer> picked = new HashMap<>();
        for (int i = 0; i < PICKS; i++) {
            picked.merge(registry.pick(), 1, Integer::sum);
        }
        assertThat(picked.keySet()).as("every open link gets streams, the draining one none")
                .containsExactlyInAnyOrderElementsOf(links);
    }

    private void assertAlwaysPicked(ServerLinkHandler expected) {
        for (int i = 0; i < 50; i++) {
            assertThat(registry.pick()).isSameAs(expected);
        }
    }

    /** A link on its own channel, with the handler in the pipeline and in the registry as after the handshake. */
    private ServerLinkHandler registered(String agentId) {
        EmbeddedChannel channel = new EmbeddedChannel();
        channels.add(channel);
        TunnelLink link = new TunnelLink(channel, agentId, TunnelSettings.DEFAULT, TunnelSettings.DEFAULT,
                (l, stream, result) -> { });
        ServerLinkHandler handler = new ServerLinkHandler(link, null, registry, null);
        channel.pipeline().addLast(handler);
        registry.add(handler);
        return handler;
    }

    /**
     * Closes the link's channel as another event loop sees it between the close and the link's channelInactive,
     * which removes it from the registry: no longer active, still registered.
     */
    private static void closeBeforeRemoval(ServerLinkHandler handler) {
        handler.link().channel().pipeline().remove(handler);
        handler.link().channel().close();
        assertThat(handler.link().channel().isActive()).isFalse();
    }

    /**
     * The agent announces it is going away (GOAWAY without error) while the link carries a stream: the server answers
     * with its own GOAWAY, and the link drains, open until that stream ends.
     */
    private static void goAway(ServerLinkHandler handler) {
        EmbeddedChannel channel = (EmbeddedChannel) handler.link().channel();
        handler.link().newStream(handler.link().nextStreamId(), "destination:80", "client");
        channel.writeInbound(new GoAwayFrame(0, TunnelErrorCode.NO_ERROR, "shutting down"));
        assertThat((Object) channel.readOutbound()).isInstanceOf(GoAwayFrame.class);
        assertThat(handler.link().isGoingAway()).isTrue();
    }
}
