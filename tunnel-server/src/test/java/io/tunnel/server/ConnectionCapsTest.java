package io.tunnel.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.AttributeKey;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Every cap closes the connection above it at once, answers 503 where plaintext HTTP can, and counts it. */
class ConnectionCapsTest {
    private static final AttributeKey<Boolean> ADMITTED = AttributeKey.valueOf(ConnectionCapsTest.class, "admitted");

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final List<EmbeddedChannel> channels = new ArrayList<>();

    @AfterEach
    void close() {
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
    }

    private ConnectionCaps caps(int total, int perIp, int handshakes, int agentLinks) {
        return new ConnectionCaps(new CapsConfig(total, perIp, handshakes, Duration.ofSeconds(5), agentLinks), registry);
    }

    /** A connection from {@code ip}, passed through {@code admit} as a listener's initializer would. */
    private EmbeddedChannel connect(String ip, Admission admit) {
        EmbeddedChannel channel = new FromAddress(new InetSocketAddress(ip, 40_000 + channels.size()));
        channels.add(channel);
        channel.pipeline().addLast(new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                if (admit.test(ch)) {
                    ch.attr(ADMITTED).set(true);
                }
            }
        });
        return channel;
    }

    private static boolean admitted(EmbeddedChannel channel) {
        return Boolean.TRUE.equals(channel.attr(ADMITTED).get()) && channel.isOpen();
    }

    private static String written(EmbeddedChannel channel) {
        StringBuilder text = new StringBuilder();
        for (ByteBuf buf; (buf = channel.readOutbound()) != null; buf.release()) {
            text.append(buf.toString(StandardCharsets.US_ASCII));
        }
        return text.toString();
    }

    @Test
    void aPlaintextConnectionAboveTheTotalGetsA503AndTheClose() {
        ConnectionCaps caps = caps(2, 0, 10, 10);
        Admission plaintext = ch -> caps.admitFrontend(ch, HandshakeFailures.FRONTEND, true);
        EmbeddedChannel first = connect("127.0.0.1", plaintext);
        EmbeddedChannel second = connect("127.0.0.2", ch -> caps.admitFrontend(ch, ConnectionCaps.UDS, true));
        EmbeddedChannel third = connect("127.0.0.3", plaintext);

        assertThat(admitted(first)).isTrue();
        assertThat(admitted(second)).as("the Unix socket counts in the same total").isTrue();
        assertThat(admitted(third)).isFalse();
        assertThat(written(third)).startsWith("HTTP/1.1 503 Service Unavailable\r\n").endsWith("too many connections\n");
        assertThat(third.config().isAutoRead()).as("nothing is read from it").isFalse();
        assertThat(written(first)).isEmpty();
        String metrics = MetricsText.of(registry);
        assertThat(metrics)
                .contains("tunnel_server_connections_refused_total{listener=\"frontend\",reason=\"max_connections\"} 1.0")
                .contains("tunnel_server_open_connections{listener=\"frontend\"} 1.0")
                .contains("tunnel_server_open_connections{listener=\"uds\"} 1.0");

        first.close();
        assertThat(admitted(connect("127.0.0.3", plaintext))).as("room again once one closed").isTrue();
    }

    @Test
    void aTlsConnectionAboveACapIsClosedWithoutAWord() {
        ConnectionCaps caps = caps(1, 0, 10, 10);
        Admission tls = ch -> caps.admitFrontend(ch, HandshakeFailures.FRONTEND, false);
        connect("127.0.0.1", tls);
        EmbeddedChannel refused = connect("127.0.0.2", tls);
        assertThat(admitted(refused)).isFalse();
        assertThat(refused.isOpen()).isFalse();
        assertThat(written(refused)).isEmpty();
    }

    @Test
    void theCapPerAddressCountsEachAddressApartAndForgetsItWithItsLastConnection() {
        ConnectionCaps caps = caps(100, 2, 10, 10);
        Admission plaintext = ch -> caps.admitFrontend(ch, HandshakeFailures.FRONTEND, true);
        EmbeddedChannel a1 = connect("10.0.0.1", plaintext);
        EmbeddedChannel a2 = connect("10.0.0.1", plaintext);
        EmbeddedChannel a3 = connect("10.0.0.1", plaintext);
        EmbeddedChannel b1 = connect("10.0.0.2", plaintext);

        assertThat(admitted(a1) && admitted(a2) && admitted(b1)).isTrue();
        assertThat(admitted(a3)).isFalse();
        assertThat(written(a3)).startsWith("HTTP/1.1 503 ");
        assertThat(MetricsText.of(registry)).contains("tunnel_server_connections_refused_total{listener=\"frontend\","
                + "reason=\"max_connections_per_ip\"} 1.0");

        a1.close();
        a2.close();
        assertThat(admitted(connect("10.0.0.1", plaintext))).isTrue();
        assertThat(admitted(connect("10.0.0.1", plaintext))).isTrue();
        assertThat(admitted(connect("10.0.0.1", plaintext))).isFalse();
        assertThat(MetricsText.of(registry)).contains("tunnel_server_open_connections{listener=\"frontend\"} 3.0");
    }

    @Test
    void agentLinksHaveTheirOwnCap() {
        ConnectionCaps caps = caps(1, 0, 10, 2);
        connect("127.0.0.1", ch -> caps.admitFrontend(ch, HandshakeFailures.FRONTEND, false));
        EmbeddedChannel first = connect("127.0.0.1", caps::admitAgent);
        EmbeddedChannel second = connect("127.0.0.1", caps::admitAgent);
        EmbeddedChannel third = connect("127.0.0.1", caps::admitAgent);

        assertThat(admitted(first) && admitted(second)).as("frontend connections do not count").isTrue();
        assertThat(admitted(third)).isFalse();
        assertThat(written(third)).as("TLS: no answer").isEmpty();
        assertThat(MetricsText.of(registry))
                .contains("tunnel_server_connections_refused_total{listener=\"agent\",reason=\"max_agent_links\"} 1.0")
                .contains("tunnel_server_open_connections{listener=\"agent\"} 2.0");
        second.close();
        assertThat(admitted(connect("127.0.0.1", caps::admitAgent))).isTrue();
    }

    @Test
    void handshakesAboveTheirCapCloseTheConnectionUntilOneEnds() {
        ConnectionCaps caps = caps(100, 0, 1, 10);
        EmbeddedChannel first = connect("127.0.0.1", ch -> true);
        EmbeddedChannel second = connect("127.0.0.1", ch -> true);

        assertThat(caps.startHandshake(first)).isTrue();
        assertThat(MetricsText.of(registry)).contains("tunnel_server_frontend_tls_handshakes 1.0");
        assertThat(caps.startHandshake(second)).isFalse();
        assertThat(second.isOpen()).isFalse();
        assertThat(written(second)).isEmpty();
        assertThat(MetricsText.of(registry)).contains(
                "tunnel_server_connections_refused_total{listener=\"frontend\",reason=\"max_handshakes\"} 1.0");

        caps.handshakeEnded();
        assertThat(caps.startHandshake(connect("127.0.0.1", ch -> true))).isTrue();
    }

    @FunctionalInterface
    private interface Admission {
        boolean test(Channel channel);
    }

    /** An embedded channel with a client address, as an accepted TCP connection has. */
    private static final class FromAddress extends EmbeddedChannel {
        private final SocketAddress remote;

        FromAddress(SocketAddress remote) {
            super(false, false);
            this.remote = remote;
            try {
                register();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        protected SocketAddress remoteAddress0() {
            return remote;
        }
    }
}
