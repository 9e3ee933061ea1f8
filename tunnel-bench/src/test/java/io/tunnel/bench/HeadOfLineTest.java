package io.tunnel.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HeadOfLineTest {

    @Test
    void metricValueReadsThePrometheusExposition() {
        String text = """
                # HELP tunnel_server_open_streams Streams open now.
                # TYPE tunnel_server_open_streams gauge
                tunnel_server_open_streams_total 9
                tunnel_server_open_streams 3.0
                tunnel_server_stream_unwritten_bytes{agent="a"} 65536
                """;
        assertThat(HeadOfLine.metricValue(text, "tunnel_server_open_streams")).isEqualTo("3.0");
        assertThat(HeadOfLine.metricValue(text, "tunnel_server_stream_unwritten_bytes")).isEqualTo("65536");
        assertThat(HeadOfLine.metricValue(text, "tunnel_agent_links")).isEqualTo("absent");
    }
}
