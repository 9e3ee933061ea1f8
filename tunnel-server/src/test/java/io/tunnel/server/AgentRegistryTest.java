package io.tunnel.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Which links join the {@link AgentRegistry}: one per agent id unless replicas, and how they are grouped. */
class AgentRegistryTest {
    private final AgentRegistry registry = new AgentRegistry();
    private final StandaloneLinks links = new StandaloneLinks(registry);

    @AfterEach
    void closeChannels() {
        links.close();
    }

    @Test
    void aSecondLinkOfAnAgentIsRefusedInFavourOfTheFirst() {
        ServerLinkHandler first = link("agent-1");
        assertThat(registry.add(first, false)).isNull();
        assertThat(registry.add(link("agent-1"), false)).isSameAs(first);
        assertThat(registry.add(link("agent-2"), false)).isNull();
        assertThat(registry.size()).isEqualTo(2);
    }

    @Test
    void aLinkGoingAwayDoesNotBlockItsSuccessor() {
        ServerLinkHandler old = link("agent-1");
        registry.add(old, false);
        old.goAwayGracefully("draining"); // the agent has not answered: the link stays open, taking no new stream

        assertThat(registry.add(link("agent-1"), false)).isNull();
        assertThat(registry.size()).isEqualTo(2);
    }

    @Test
    void replicasJoinAndAreGroupedUnderTheirAgentInJoinOrder() {
        ServerLinkHandler a1 = link("agent-1");
        ServerLinkHandler b = link("agent-2");
        ServerLinkHandler a2 = link("agent-1");
        for (ServerLinkHandler handler : List.of(a1, b, a2)) {
            assertThat(registry.add(handler, true)).isNull();
        }
        assertThat(registry.byAgent()).containsOnlyKeys("agent-1", "agent-2");
        assertThat(registry.byAgent().keySet()).containsExactly("agent-1", "agent-2");
        assertThat(registry.byAgent().get("agent-1")).containsExactly(a1, a2);

        registry.remove(a1);
        assertThat(registry.byAgent().get("agent-1")).containsExactly(a2);
        registry.remove(a2);
        registry.remove(b);
        assertThat(registry.isEmpty()).isTrue();
    }

    @Test
    void onlyLinkLoopNamesTheLoopOfTheOneLinkAndNoneWhileThereAreNoneOrSeveral() {
        assertThat(registry.onlyLinkLoop()).isNull();
        ServerLinkHandler first = link("agent-1");
        registry.add(first, false);
        assertThat(registry.onlyLinkLoop()).isSameAs(first.link().eventLoop());

        ServerLinkHandler second = link("agent-2");
        registry.add(second, false);
        assertThat(registry.onlyLinkLoop()).isNull();

        registry.remove(first);
        assertThat(registry.onlyLinkLoop()).isSameAs(second.link().eventLoop());
    }

    private ServerLinkHandler link(String agentId) {
        return links.link(agentId, "");
    }
}
