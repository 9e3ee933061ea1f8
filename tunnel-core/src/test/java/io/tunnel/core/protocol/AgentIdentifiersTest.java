package io.tunnel.core.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tunnel.core.net.Cidr;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AgentIdentifiersTest {
    @Test
    void parsesKonnectivitysSyntaxWithRepeatedKeys() throws Exception {
        AgentIdentifiers ids = AgentIdentifiers.parse(
                "host=db.internal&host=API.internal.&ipv4=10.0.0.5&ipv6=fd00::5&cidr=10.0.0.0/16&default-route=true");
        assertThat(ids.hosts()).containsExactlyInAnyOrder("db.internal", "api.internal");
        assertThat(ids.addresses()).containsExactlyInAnyOrder(InetAddress.getByName("10.0.0.5"),
                InetAddress.getByName("fd00::5"));
        assertThat(ids.cidrs()).containsExactly(Cidr.parse("10.0.0.0/16"));
        assertThat(ids.defaultRoute()).isTrue();
        assertThat(AgentIdentifiers.parse(ids.format())).isEqualTo(ids);
    }

    @Test
    void noIdentifiersAtAll() {
        assertThat(AgentIdentifiers.parse("")).isEqualTo(AgentIdentifiers.NONE);
        assertThat(AgentIdentifiers.NONE.isEmpty()).isTrue();
        assertThat(AgentIdentifiers.parse("default-route=false").isEmpty()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"hostname=x", "ipv4=fd00::1", "ipv6=10.0.0.1", "ipv4=db.internal", "cidr=10.0.0.0/40",
        "default-route=yes", "=x"})
    void refusesWhatItDoesNotKnow(String text) {
        assertThatThrownBy(() -> AgentIdentifiers.parse(text)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aHelloMayCarryKeysOfALaterVersionButNoBadValue() {
        assertThat(AgentIdentifiers.parseHello("zone=eu-1&host=db.internal"))
                .isEqualTo(AgentIdentifiers.parse("host=db.internal"));
        assertThatThrownBy(() -> AgentIdentifiers.parseHello("zone=eu-1&cidr=10.0.0.0/40"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AgentIdentifiers.parse("zone=eu-1")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown identifier 'zone'");
    }

    @Test
    void attributesRoundTripAndDecodePercentEscapes() {
        Map<String, List<String>> pairs = HelloAttributes.parse("a=1&a=2&b=x%26y&c");
        assertThat(pairs).containsExactly(Map.entry("a", List.of("1", "2")), Map.entry("b", List.of("x&y")),
                Map.entry("c", List.of("")));
        assertThat(HelloAttributes.parse(HelloAttributes.format(pairs))).isEqualTo(pairs);
        assertThat(HelloAttributes.format(Map.of("cidr", List.of("fd00::/8")))).isEqualTo("cidr=fd00::/8");
    }

    @Test
    void helloAckCarriesServerIdAndCount() {
        HelloAckFrame ack = HelloAckFrame.of(1, TunnelSettings.DEFAULT, "server-a", 3);
        assertThat(ack.serverId()).isEqualTo("server-a");
        assertThat(ack.serverCount()).isEqualTo(3);
        HelloAckFrame old = new HelloAckFrame(1, TunnelSettings.DEFAULT);
        assertThat(old.serverId()).isEmpty();
        assertThat(old.serverCount()).as("a server that says nothing is one of one").isEqualTo(1);
        assertThat(new HelloAckFrame(1, TunnelSettings.DEFAULT, "server-count=x").serverCount()).isEqualTo(1);
    }

    @Test
    void framesRefuseAttributesThatCannotTravel() {
        assertThatThrownBy(() -> new HelloFrame(1, TunnelSettings.DEFAULT, "a b"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HelloFrame(1, TunnelSettings.DEFAULT, "x".repeat(4097)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
