package io.tunnel.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.tunnel.core.health.HealthServer;
import io.tunnel.core.protocol.AgentIdentifiers;
import io.tunnel.core.protocol.DialResultFrame;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code /agents} on the health port, as JSON, and the per-agent series of {@code /metrics}. */
class AgentsViewTest {
    private final LinkFixture fixture = new LinkFixture();
    private final EmbeddedChannel health = new EmbeddedChannel(HealthServer.handler(() -> true,
            fixture.metrics.registry(), List.of(new HealthServer.JsonRoute(TunnelServer.AGENTS_PATH,
                    () -> AgentsView.of(fixture.registry)))));

    @AfterEach
    void close() {
        health.finishAndReleaseAll();
        fixture.close();
    }

    private JsonNode agents() throws Exception {
        health.writeInbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, TunnelServer.AGENTS_PATH));
        FullHttpResponse response = health.readOutbound();
        try {
            assertThat(response.status().code()).isEqualTo(200);
            return new ObjectMapper().readTree(response.content().toString(StandardCharsets.UTF_8));
        } finally {
            response.release();
        }
    }

    @Test
    void listsEachAgentWithItsLinksAndWhatTheyCarry() throws Exception {
        LinkFixture.AgentLink replica = fixture.addLink("agent-1", AgentIdentifiers.parse("host=db.internal"));
        LinkFixture.AgentLink other = fixture.addLink("agent-2",
                AgentIdentifiers.parse("ipv4=10.0.0.5&cidr=10.0.0.0/8&default-route=true"));
        fixture.frontendPipeline(true);
        fixture.fromClient("CONNECT db.internal:5432 HTTP/1.1\r\n\r\nhello");
        replica.fromAgent(DialResultFrame.success(1));
        replica.frames().forEach(ReferenceCountUtil::release);
        other.handler.goAwayGracefully("draining");

        JsonNode agents = agents();
        assertThat(agents).hasSize(2);
        JsonNode agent1 = agents.get(0);
        assertThat(agent1.get("id").asText()).isEqualTo("agent-1");
        assertThat(agent1.get("links")).as("the replicas, under their agent id").hasSize(2);
        JsonNode busy = agent1.get("links").get(1);
        assertThat(busy.get("link").asText()).isEqualTo(replica.handler.linkId());
        assertThat(busy.get("remoteAddress").asText()).isEqualTo(String.valueOf(replica.channel.remoteAddress()));
        assertThat(Instant.parse(busy.get("connectedSince").asText())).isBeforeOrEqualTo(Instant.now());
        assertThat(busy.get("identifiers").get("hosts")).hasSize(1);
        assertThat(busy.get("identifiers").get("hosts").get(0).asText()).isEqualTo("db.internal");
        assertThat(busy.get("identifiers").get("text").asText()).isEqualTo("host=db.internal");
        assertThat(busy.get("openStreams").asInt()).isEqualTo(1);
        assertThat(busy.get("bytesToAgent").asLong()).as("the early bytes").isEqualTo(5);
        assertThat(busy.get("bytesFromAgent").asLong()).isZero();
        assertThat(busy.get("goingAway").asBoolean()).isFalse();
        assertThat(busy.get("suspect").asBoolean()).isFalse();

        JsonNode agent2 = agents.get(1).get("links").get(0);
        assertThat(agents.get(1).get("id").asText()).isEqualTo("agent-2");
        assertThat(agent2.get("goingAway").asBoolean()).isTrue();
        JsonNode ids = agent2.get("identifiers");
        assertThat(ids.get("addresses").get(0).asText()).isEqualTo("10.0.0.5");
        assertThat(ids.get("cidrs").get(0).asText()).isEqualTo("10.0.0.0/8");
        assertThat(ids.get("defaultRoute").asBoolean()).isTrue();

        assertThat(openStreamsPerAgent()).containsExactlyInAnyOrderEntriesOf(Map.of("agent-1", 1.0, "agent-2", 0.0));
    }

    @Test
    void noAgentIsAnEmptyList() throws Exception {
        fixture.registry.remove(fixture.linkHandler);
        assertThat(agents()).isEmpty();
        assertThat(openStreamsPerAgent()).isEmpty();
    }

    private Map<String, Double> openStreamsPerAgent() {
        Map<String, Double> series = new HashMap<>();
        fixture.metrics.registry().scrape().stream()
                .filter(s -> s.getMetadata().getPrometheusName().equals("tunnel_server_agent_open_streams"))
                .flatMap(s -> ((GaugeSnapshot) s).getDataPoints().stream())
                .forEach(p -> series.put(p.getLabels().get("agent"), p.getValue()));
        return series;
    }
}
