package io.tunnel.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tunnel.core.protocol.AgentIdentifiers;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The claims file: its format, and every rule by which a claim is kept or refused. */
class AgentClaimsTest {
    private static final AgentClaims CLAIMS = AgentClaims.parse(List.of(
            "# agent id   allowed identifiers",
            "",
            "agent-1   host=db.internal&host=api.internal&ipv4=10.0.0.5&ipv6=fd00::5&cidr=10.0.0.0/16",
            "  agent-2\tdefault-route=true&cidr=fd00::/8  ",
            "agent-3"));

    private static AgentClaims.Restriction restrict(String agentId, String claimed) {
        return CLAIMS.restrict(agentId, AgentIdentifiers.parse(claimed));
    }

    private static AgentIdentifiers ids(String text) {
        return AgentIdentifiers.parse(text);
    }

    @Test
    void withoutAFileEveryClaimStands() {
        AgentIdentifiers claimed = ids("host=x&cidr=0.0.0.0/0&default-route=true");
        assertThat(AgentClaims.ANY.restrict("anyone", claimed))
                .isEqualTo(new AgentClaims.Restriction(claimed, AgentIdentifiers.NONE));
        assertThat(AgentClaims.ANY.isRestricting()).isFalse();
        assertThat(CLAIMS.isRestricting()).isTrue();
        assertThat(CLAIMS.agentCount()).isEqualTo(3);
    }

    @Test
    void hostsAndAddressesMustBeListed() {
        assertThat(restrict("agent-1", "host=DB.internal.&host=evil.internal&ipv4=10.0.0.5&ipv4=10.0.0.6"
                + "&ipv6=fd00:0::5&ipv6=fd00::6")).isEqualTo(new AgentClaims.Restriction(
                ids("host=db.internal&ipv4=10.0.0.5&ipv6=fd00::5"),
                ids("host=evil.internal&ipv4=10.0.0.6&ipv6=fd00::6")));
    }

    @Test
    void anAddressInsideAnAllowedCidrIsNotListedAndSoRefused() {
        assertThat(restrict("agent-1", "ipv4=10.0.1.1").refused()).isEqualTo(ids("ipv4=10.0.1.1"));
    }

    @Test
    void aCidrMustLieInsideAnAllowedCidr() {
        assertThat(restrict("agent-1", "cidr=10.0.0.0/16&cidr=10.0.3.0/24&cidr=10.0.0.0/8&cidr=192.168.0.0/16"))
                .isEqualTo(new AgentClaims.Restriction(ids("cidr=10.0.0.0/16&cidr=10.0.3.0/24"),
                        ids("cidr=10.0.0.0/8&cidr=192.168.0.0/16")));
        assertThat(restrict("agent-2", "cidr=fd00:1::/32&cidr=10.0.0.0/16").kept()).as("families never mix")
                .isEqualTo(ids("cidr=fd00:1::/32"));
    }

    @Test
    void defaultRouteMustBeAllowed() {
        assertThat(restrict("agent-2", "default-route=true").kept().defaultRoute()).isTrue();
        assertThat(restrict("agent-1", "default-route=true"))
                .isEqualTo(new AgentClaims.Restriction(AgentIdentifiers.NONE, ids("default-route=true")));
    }

    @Test
    void anAgentListedAloneOrNotListedMayClaimNothing() {
        AgentIdentifiers claimed = ids("host=db.internal&default-route=true");
        assertThat(restrict("agent-3", claimed.format()))
                .isEqualTo(new AgentClaims.Restriction(AgentIdentifiers.NONE, claimed));
        assertThat(restrict("agent-9", claimed.format()).kept()).isEqualTo(AgentIdentifiers.NONE);
        assertThat(restrict("agent-9", "").refused().isEmpty()).as("claiming nothing is never refused").isTrue();
    }

    @Test
    void aBadLineIsNamed() {
        assertThatThrownBy(() -> AgentClaims.parse(List.of("agent-1 host=a", "# c", "agent-2 cidr=10.0.0.0/33")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("line 3: ");
        assertThatThrownBy(() -> AgentClaims.parse(List.of("agent-1 colour=blue")))
                .hasMessageContaining("line 1: unknown identifier 'colour'");
        assertThatThrownBy(() -> AgentClaims.parse(List.of("agent-1 host=a", "agent-1 host=b")))
                .hasMessage("line 2: agent agent-1 is listed on line 1 already");
    }
}
