package io.tunnel.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What streams and refusals count, as {@code /metrics} shows it: a series appears once something counted in it. */
class ServerMetricsTest {
    private final ServerMetrics metrics = new ServerMetrics(new AgentRegistry());

    @Test
    void streamsCountByStatusAndBytesByDirection() {
        assertThat(MetricsText.of(metrics.registry())).doesNotContain("tunnel_server_connect_requests_total{",
                "tunnel_server_stream_bytes_total{");

        for (int i = 0; i < 2; i++) {
            metrics.streamStarted();
            metrics.streamEnded(true, 200, 10, 100);
        }
        metrics.streamStarted();
        metrics.streamEnded(true, 502, 0, 0);
        metrics.streamStarted();
        metrics.streamEnded(false, 404, 5, 7);
        metrics.refused(true, ProxyResponse.FORBIDDEN);

        assertThat(MetricsText.of(metrics.registry())).contains(
                "tunnel_server_connect_requests_total{status=\"200\"} 2",
                "tunnel_server_connect_requests_total{status=\"502\"} 1",
                "tunnel_server_connect_requests_total{status=\"403\"} 1",
                "tunnel_server_forwarded_requests_total{status=\"404\"} 1",
                "tunnel_server_stream_bytes_total{direction=\"up\"} 25",
                "tunnel_server_stream_bytes_total{direction=\"down\"} 207",
                "tunnel_server_open_streams 0")
                .doesNotContain("tunnel_server_forwarded_requests_total{status=\"200\"}");
    }

    @Test
    void aStatusOutsideThreeDigitsIsCountedToo() {
        metrics.streamStarted();
        metrics.streamEnded(false, 1000, 0, 0);
        assertThat(MetricsText.of(metrics.registry())).contains(
                "tunnel_server_forwarded_requests_total{status=\"1000\"} 1");
    }
}
