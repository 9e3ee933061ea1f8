package io.tunnel.core.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.local.LocalAddress;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class AddressesTest {
    @Test
    void anAddressIsHostAndPortWithoutJavasLeadingSlash() throws Exception {
        assertThat(String.valueOf(new InetSocketAddress(InetAddress.getByName("10.0.0.5"), 8080)))
                .as("what Java prints").isEqualTo("/10.0.0.5:8080");
        assertThat(Addresses.text(new InetSocketAddress(InetAddress.getByName("10.0.0.5"), 8080)))
                .isEqualTo("10.0.0.5:8080");
        assertThat(Addresses.text(new InetSocketAddress(InetAddress.getByName("fd00::5"), 443)))
                .isEqualTo("[fd00::5]:443");
        assertThat(Addresses.text(InetSocketAddress.createUnresolved("db.internal", 5432)))
                .isEqualTo("db.internal:5432");
        assertThat(Addresses.text(new LocalAddress("test"))).isEqualTo("local:test");
        assertThat(Addresses.text(null)).isEqualTo("null");
    }
}
