package io.tunnel.agent.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Rules and their order, on addresses only: no socket is opened, no packet sent. */
class DestinationPolicyTest {
    private static InetSocketAddress dest(String ip, int port) throws IOException {
        return new InetSocketAddress(InetAddress.getByName(ip), port); // a literal: no lookup
    }

    private static List<DestinationRule> rules(String... texts) {
        return java.util.Arrays.stream(texts).map(DestinationRule::parse).toList();
    }

    @ParameterizedTest
    @CsvSource({
        "10.0.0.0/8, 10.9.8.7, 1, true",
        "10.0.0.0/8, 11.0.0.1, 80, false",
        "10.1.2.3/32:443, 10.1.2.3, 443, true",
        "10.1.2.3/32:443, 10.1.2.3, 444, false",
        "10.1.2.3:8000-8999, 10.1.2.3, 8999, true",
        "10.1.2.3:8000-8999, 10.1.2.3, 7999, false",
        "[fd00::]/8:8000-8999, fd12::1, 8080, true",
        "[fd00::]/8:8000-8999, fd12::1, 9000, false",
        "[fd00::1]:22, fd00::1, 22, true",
        "fd00::/8, fd00::5, 1, true",
        "fd00::/8, 10.0.0.1, 1, false",
    })
    void rulesMatchTheirNetworkAndPorts(String rule, String ip, int port, boolean matches) throws IOException {
        DestinationRule parsed = DestinationRule.parse(rule);
        assertThat(parsed.matches(InetAddress.getByName(ip), port)).isEqualTo(matches);
        assertThat(DestinationRule.parse(parsed.toString())).as("prints as it parses").isEqualTo(parsed);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "10.0.0.0/8:0", "10.0.0.0/8:65536", "10.0.0.0/8:9-1", "10.0.0.0/8:x", "db.internal",
        "[fd00::/8", "fd00::1:443x", "10.0.0.0/33"})
    void badRulesAreRefusedByName(String rule) {
        assertThatThrownBy(() -> DestinationRule.parse(rule)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + rule + "'");
    }

    @Test
    void linkLocalIsDeniedByDefaultAndAllowedOnlyExplicitly() throws IOException {
        DestinationPolicy defaults = new DestinationPolicy(List.of(), List.of(), 0);
        assertThat(defaults.refusal(dest("169.254.169.254", 80))).contains("link-local");
        assertThat(defaults.refusal(dest("fe80::1", 443))).contains("link-local");
        assertThat(defaults.refusal(dest("10.0.0.1", 80))).isNull();

        DestinationPolicy allowed = new DestinationPolicy(rules("169.254.169.254/32:80"), List.of(), 0);
        assertThat(allowed.refusal(dest("169.254.169.254", 80))).isNull();
        assertThat(allowed.refusal(dest("169.254.169.254", 81))).isNotNull();
    }

    @Test
    void theAgentsOwnHealthPortIsDeniedOnItsOwnAddresses() throws IOException {
        DestinationPolicy policy = new DestinationPolicy(List.of(), List.of(), 8093);
        assertThat(policy.refusal(dest("127.0.0.1", 8093))).isEqualTo("the agent's own health port");
        assertThat(policy.refusal(dest("0.0.0.0", 8093))).isNotNull();
        assertThat(policy.refusal(dest("127.0.0.1", 8094))).isNull();
        assertThat(policy.refusal(dest("192.0.2.1", 8093))).as("not one of ours (TEST-NET-1)").isNull();
        assertThat(new DestinationPolicy(rules("127.0.0.1/32:8093"), List.of(), 8093)
                .refusal(dest("127.0.0.1", 8093))).as("unless allowed").isNull();
    }

    @Test
    void denyWinsOverAllowAndAnAllowListDeniesTheRest() throws IOException {
        DestinationPolicy policy = new DestinationPolicy(rules("127.0.0.0/8"), rules("127.0.0.2/32"), 0);
        assertThat(policy.refusal(dest("127.0.0.1", 80))).isNull();
        assertThat(policy.refusal(dest("127.0.0.2", 80))).isEqualTo("denied by 127.0.0.2/32");
        assertThat(policy.refusal(dest("10.0.0.1", 80))).isEqualTo("not in the allowed destinations");
    }

    @Test
    void filesHoldOneRulePerLineWithComments(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("deny");
        Files.writeString(file, "# metadata and friends\n10.0.0.0/8\n\n  [fd00::]/8:22   # ssh\n");
        assertThat(DestinationFlags.readRules(file)).containsExactly(DestinationRule.parse("10.0.0.0/8"),
                DestinationRule.parse("[fd00::]/8:22"));

        Files.writeString(file, "10.0.0.0/8\nnonsense\n");
        assertThatThrownBy(() -> DestinationFlags.readRules(file)).hasMessageContaining("line 2");
    }
}
