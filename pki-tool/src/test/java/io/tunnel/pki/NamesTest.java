package io.tunnel.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NamesTest {

    @ParameterizedTest
    @ValueSource(strings = {"localhost", "tunnel.example.com", "a", "xn--bcher-kva.example", "a-b.c-d.example",
        "*.tunnel.example.com", "UPPER.Example.COM", "127.0.0.1", "10.1.2.3", "::1", "2001:db8::42", "fe80::1"})
    void acceptsDnsNamesAndIpLiterals(String host) {
        assertThat(Names.requireHosts("--hosts", List.of(host))).containsExactly(host);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "bad_host", "-lead.example", "trail-.example", "a..b", ".example", "example.",
        "*.com", "*", "a.*.example", "999.1.1.1", "1.2.3", "256.1.1.1", "[::1]", "::1%eth0", "host name",
        "exa mple.com", "ümlaut.example", "12345"})
    void rejectsAnythingElse(String host) {
        assertThatThrownBy(() -> Names.requireHosts("--hosts", List.of(host)))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("invalid host '" + host + "' in --hosts: neither a DNS name nor an IP address");
    }

    @Test
    void rejectsOverlongLabelsAndNames() {
        String label63 = "a".repeat(63);
        assertThat(Names.isDnsName(label63 + ".example")).isTrue();
        assertThat(Names.isDnsName("a" + label63 + ".example")).isFalse();
        String name253 = String.join(".", label63, label63, label63, "a".repeat(61));
        assertThat(name253).hasSize(253);
        assertThat(Names.isDnsName(name253)).isTrue();
        assertThat(Names.isDnsName(name253 + "a")).isFalse();
    }

    @Test
    void dropsDuplicateHostsKeepingOrder() {
        assertThat(Names.requireHosts("--hosts", List.of("b.example", "127.0.0.1", "b.example")))
                .containsExactly("b.example", "127.0.0.1");
    }

    @Test
    void needsAtLeastOneHost() {
        assertThatThrownBy(() -> Names.requireHosts("--hosts", List.of()))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessage("--hosts needs at least one host");
    }

    @ParameterizedTest
    @ValueSource(strings = {"agent-1", "A", "proxy.client_2", "7"})
    void acceptsNames(String name) {
        assertThat(Names.requireName("--name", name)).isEqualTo(name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "bad id", "a/b", "../x", "agent:1", "é", "tab\there"})
    void rejectsNames(String name) {
        assertThatThrownBy(() -> Names.requireName("--agent-id", name))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageStartingWith("invalid --agent-id '" + name + "': expected 1 to 64 characters");
    }

    @Test
    void acceptsUpTo64Characters() {
        assertThat(Names.requireName("--name", "x".repeat(64))).hasSize(64);
        assertThatThrownBy(() -> Names.requireName("--name", "x".repeat(65)))
                .isInstanceOf(InvalidRequestException.class);
    }
}
