package io.tunnel.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunnel.core.link.TunnelLink;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Which agent link the {@link AgentRouter} gives a CONNECT: every strategy, their order, the {@code Tunnel-Agent}
 * header, the fewest open streams with ties at random, and the links it never gives (going away, closed, tried).
 * Suspect links are skipped too: {@code SuspectLinkTest} makes one the way it happens.
 */
class AgentRouterTest {
    /** Choices among tied links: the chance that one of three is never chosen by chance is about 3 in 10^52. */
    private static final int PICKS = 300;

    private final AgentRegistry registry = new AgentRegistry();
    private final StandaloneLinks links = new StandaloneLinks(registry);

    @AfterEach
    void closeChannels() {
        links.close();
    }

    private AgentRouter router() {
        return new AgentRouter(registry, ProxyStrategy.DEFAULT_ORDER);
    }

    private AgentRouter router(String strategies) {
        return new AgentRouter(registry, ProxyStrategy.parseList(strategies));
    }

    private static AgentChoice choose(AgentRouter router, String host) {
        return router.choose(new ConnectRequest(host, 443), List.of());
    }

    @Test
    void noAgentConnectedIsARefusal() {
        AgentChoice choice = choose(router(), "db.internal");
        assertThat(choice.found()).isFalse();
        assertThat(choice.refusal()).isEqualTo("no agent connected");
    }

    @Test
    void destHostMatchesAHostNameAsIdentifiersCompareIt() {
        ServerLinkHandler db = registered("db", "host=db.internal");
        registered("other", "host=api.internal&default-route=true");

        for (String host : List.of("db.internal", "DB.Internal", "db.internal.")) {
            assertThat(choose(router(), host)).isEqualTo(AgentChoice.of(db, "destHost"));
        }
    }

    @Test
    void destHostMatchesAnAddressLiteralByValue() {
        ServerLinkHandler v4 = registered("v4", "ipv4=10.0.0.5");
        ServerLinkHandler v6 = registered("v6", "ipv6=fd00::5");

        assertThat(choose(router(), "10.0.0.5")).isEqualTo(AgentChoice.of(v4, "destHost"));
        assertThat(choose(router(), "fd00:0:0::0005")).isEqualTo(AgentChoice.of(v6, "destHost"));
        assertThat(choose(router("destHost"), "10.0.0.6").found()).isFalse();
    }

    @Test
    void cidrMatchesAnAddressLiteralInsideAndNeverAName() {
        ServerLinkHandler ten = registered("ten", "cidr=10.0.0.0/8");
        ServerLinkHandler ula = registered("ula", "cidr=fd00::/8");

        assertThat(choose(router(), "10.200.0.1")).isEqualTo(AgentChoice.of(ten, "cidr"));
        assertThat(choose(router(), "fd12::1")).isEqualTo(AgentChoice.of(ula, "cidr"));
        assertThat(choose(router("cidr"), "11.0.0.1").found()).isFalse();
        assertThat(choose(router("cidr"), "10.0.0.1.example").found()).as("names are never resolved").isFalse();
        assertThat(choose(router("cidr"), "::ffff:1").found()).isFalse();
    }

    @Test
    void defaultRouteTakesOnlyAgentsThatSaidSo() {
        registered("plain", "host=db.internal");
        ServerLinkHandler gateway = registered("gateway", "default-route=true");

        assertThat(choose(router(), "example.com")).isEqualTo(AgentChoice.of(gateway, "defaultRoute"));
    }

    @Test
    void defaultTakesAnyAgent() {
        ServerLinkHandler any = registered("any", "");

        assertThat(choose(router(), "example.com")).isEqualTo(AgentChoice.of(any, "default"));
        assertThat(choose(router("destHost,cidr,defaultRoute"), "example.com").refusal())
                .isEqualTo("no agent for example.com:443 by destHost,cidr,defaultRoute");
    }

    @Test
    void theFirstStrategyWithACandidateWinsInTheConfiguredOrder() {
        ServerLinkHandler byHost = registered("by-host", "ipv4=10.0.0.5");
        ServerLinkHandler byCidr = registered("by-cidr", "cidr=10.0.0.0/24");
        ServerLinkHandler byDefault = registered("by-default", "default-route=true");

        assertThat(choose(router(), "10.0.0.5")).isEqualTo(AgentChoice.of(byHost, "destHost"));
        assertThat(choose(router(), "10.0.0.6")).isEqualTo(AgentChoice.of(byCidr, "cidr"));
        assertThat(choose(router(), "10.1.0.6")).isEqualTo(AgentChoice.of(byDefault, "defaultRoute"));
        assertThat(choose(router("defaultRoute,cidr,destHost"), "10.0.0.5"))
                .isEqualTo(AgentChoice.of(byDefault, "defaultRoute"));
        assertThat(choose(router("cidr,destHost"), "10.0.0.5")).isEqualTo(AgentChoice.of(byCidr, "cidr"));
    }

    @Test
    void theTunnelAgentHeaderOverridesTheStrategies() {
        registered("agent-1", "host=db.internal");
        ServerLinkHandler named = registered("agent-2", "");

        AgentChoice choice = router().choose(new ConnectRequest("db.internal", 5432, "agent-2"), List.of());
        assertThat(choice).isEqualTo(AgentChoice.of(named, AgentChoice.HEADER));
    }

    @Test
    void theTunnelAgentHeaderNamingNoLinkedAgentIsARefusal() {
        registered("agent-1", "default-route=true");
        ServerLinkHandler draining = registered("agent-2", "");
        goAway(draining);

        AgentChoice unknown = router().choose(new ConnectRequest("db.internal", 5432, "agent-9"), List.of());
        assertThat(unknown.found()).isFalse();
        assertThat(unknown.refusal()).isEqualTo("Tunnel-Agent agent-9: not linked");
        AgentChoice unusable = router().choose(new ConnectRequest("db.internal", 5432, "agent-2"), List.of());
        assertThat(unusable.found()).as("no fallback to the strategies").isFalse();
        assertThat(unusable.refusal()).startsWith("Tunnel-Agent agent-2: no link of it takes new streams");
    }

    @Test
    void theLinkWithTheFewestOpenStreamsWins() {
        ServerLinkHandler busy = registered("agent-1", "default-route=true");
        ServerLinkHandler idle = registered("agent-2", "default-route=true");
        ServerLinkHandler other = registered("agent-3", "host=elsewhere");
        openStreams(busy, 2);
        openStreams(idle, 1);

        assertThat(choose(router(), "example.com")).isEqualTo(AgentChoice.of(idle, "defaultRoute"));
        openStreams(idle, 2);
        assertThat(choose(router(), "example.com")).isEqualTo(AgentChoice.of(busy, "defaultRoute"));
        assertThat(other.link().openStreams()).isZero();
    }

    @Test
    void eachOfTheTiedLinksIsChosenWithEqualChance() {
        List<ServerLinkHandler> tied = List.of(registered("a", ""), registered("b", ""), registered("c", ""));
        ServerLinkHandler loaded = registered("d", "");
        openStreams(loaded, 1);

        // The tie-break draws once per further tied link: with draws of 0 the last tied link wins, otherwise the first.
        assertThat(new AgentRouter(registry, ProxyStrategy.DEFAULT_ORDER, bound -> 0)
                .choose(new ConnectRequest("x", 1), List.of()).link()).isSameAs(tied.get(2));
        assertThat(new AgentRouter(registry, ProxyStrategy.DEFAULT_ORDER, bound -> bound - 1)
                .choose(new ConnectRequest("x", 1), List.of()).link()).isSameAs(tied.get(0));
        List<Integer> bounds = new ArrayList<>();
        IntUnaryOperator recording = bound -> {
            bounds.add(bound);
            return 1;
        };
        new AgentRouter(registry, ProxyStrategy.DEFAULT_ORDER, recording).choose(new ConnectRequest("x", 1), List.of());
        assertThat(bounds).as("the k-th tied link replaces the choice with probability 1/k").containsExactly(2, 3);

        Map<ServerLinkHandler, Integer> chosen = new HashMap<>();
        for (int i = 0; i < PICKS; i++) {
            chosen.merge(choose(router(), "x").link(), 1, Integer::sum);
        }
        assertThat(chosen.keySet()).as("every tied link gets streams, the loaded one none")
                .containsExactlyInAnyOrderElementsOf(tied);
    }

    @Test
    void aLinkGoingAwayIsSkippedAndTheNextStrategyTried() {
        ServerLinkHandler draining = registered("db", "host=db.internal");
        ServerLinkHandler fallback = registered("gateway", "default-route=true");
        goAway(draining);

        assertThat(choose(router(), "db.internal")).isEqualTo(AgentChoice.of(fallback, "defaultRoute"));
        assertThat(registry.size()).as("draining links stay registered until they close").isEqualTo(2);
    }

    /** Between the close of a link and its removal (on the link's own loop) the router must not choose it. */
    @Test
    void aClosedLinkNotYetRemovedIsSkipped() {
        ServerLinkHandler closed = registered("closed", "");
        ServerLinkHandler open = registered("open", "");
        closeBeforeRemoval(closed);

        for (int i = 0; i < 50; i++) {
            assertThat(choose(router(), "x").link()).isSameAs(open);
        }
    }

    @Test
    void linksTheConnectionWasGivenBeforeAreSkipped() {
        ServerLinkHandler tried = registered("agent-1", "");
        ServerLinkHandler untried = registered("agent-2", "");

        assertThat(router().choose(new ConnectRequest("x", 1), List.of(tried))).isEqualTo(
                AgentChoice.of(untried, "default"));
        AgentChoice none = router().choose(new ConnectRequest("x", 1), List.of(tried, untried));
        assertThat(none.refusal()).isEqualTo("no agent for x:1 by destHost,cidr,defaultRoute,default "
                + "(2 link(s) suspect, going away or failed)");
        assertThat(router().choose(new ConnectRequest("x", 1, "agent-1"), List.of(tried)).found()).isFalse();
    }

    @Test
    void replicasOfOneAgentShareItsLoad() {
        ServerLinkHandler a = registered("agent-1", "");
        ServerLinkHandler b = registered("agent-1", "");
        openStreams(a, 1);

        assertThat(router().choose(new ConnectRequest("x", 1, "agent-1"), List.of()).link()).isSameAs(b);
        openStreams(b, 2);
        assertThat(choose(router(), "x").link()).isSameAs(a);
    }

    /** A link on its own channel, in the registry as after the handshake. */
    private ServerLinkHandler registered(String agentId, String identifiers) {
        ServerLinkHandler handler = links.link(agentId, identifiers);
        assertThat(registry.add(handler, true)).isNull();
        return handler;
    }

    /** Adds {@code count} streams (dialling, as the link's loop would) to the link's load. */
    private static void openStreams(ServerLinkHandler handler, int count) {
        TunnelLink link = handler.link();
        for (int i = 0; i < count; i++) {
            link.newStream(link.nextStreamId(), "x:1", "client");
        }
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
     * This server says GOAWAY on the link and the agent has not answered yet: the link takes no new stream and stays
     * open (an idle link the agent also said GOAWAY on closes at once, §6.7).
     */
    private static void goAway(ServerLinkHandler handler) {
        handler.goAwayGracefully("draining");
        assertThat(handler.link().isGoingAway()).isTrue();
        assertThat(handler.link().channel().isActive()).isTrue();
    }
}
