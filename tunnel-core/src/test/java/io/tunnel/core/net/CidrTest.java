package io.tunnel.core.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CidrTest {
    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal); // literals only: no lookup
    }

    @Test
    void containsAddressesOfItsNetworkOnly() throws Exception {
        Cidr net = Cidr.parse("10.1.0.0/16");
        assertThat(net.contains(ip("10.1.255.3"))).isTrue();
        assertThat(net.contains(ip("10.2.0.1"))).isFalse();
        assertThat(net.contains(ip("::ffff:10.1.0.1"))).as("an IPv4-mapped IPv6 literal is IPv4 in Java").isTrue();
        assertThat(Cidr.parse("fd00::/8").contains(ip("fd12::1"))).isTrue();
        assertThat(Cidr.parse("fd00::/8").contains(ip("10.1.0.1"))).isFalse();
        assertThat(Cidr.parse("0.0.0.0/0").contains(ip("203.0.113.9"))).isTrue();
    }

    @Test
    void hostBitsAreMaskedAndABareAddressIsOneHost() throws Exception {
        assertThat(Cidr.parse("10.1.2.3/16")).isEqualTo(Cidr.parse("10.1.0.0/16"));
        assertThat(Cidr.parse("10.1.2.3/16").toString()).isEqualTo("10.1.0.0/16");
        Cidr host = Cidr.parse("127.0.0.2");
        assertThat(host.prefix()).isEqualTo(32);
        assertThat(host.contains(ip("127.0.0.2"))).isTrue();
        assertThat(host.contains(ip("127.0.0.1"))).isFalse();
        assertThat(Cidr.parse("10.1.2.3/12").contains(ip("10.15.255.255"))).isTrue();
        assertThat(Cidr.parse("10.1.2.3/12").contains(ip("10.16.0.0"))).isFalse();
        assertThat(Cidr.parse("10.9.2.3/13").contains(ip("10.8.0.0"))).isTrue();
        assertThat(Cidr.parse("10.9.2.3/13").contains(ip("10.7.255.255"))).isFalse();
    }

    @Test
    void aNetworkContainsTheNetworksInsideIt() {
        assertThat(Cidr.parse("10.0.0.0/8").contains(Cidr.parse("10.1.0.0/16"))).isTrue();
        assertThat(Cidr.parse("10.1.0.0/16").contains(Cidr.parse("10.0.0.0/8"))).isFalse();
        assertThat(Cidr.parse("10.0.0.0/8").contains(Cidr.parse("11.0.0.0/16"))).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "10.0.0.0/33", "fd00::/129", "10.0.0/8", "db.internal/8", "10.0.0.0/", "10.0.0.0/x",
        "fe80::1%eth0/64", "10.0.0.0/-1"})
    void rejectsWhatIsNotACidr(String text) {
        assertThatThrownBy(() -> Cidr.parse(text)).isInstanceOf(IllegalArgumentException.class);
    }
}
