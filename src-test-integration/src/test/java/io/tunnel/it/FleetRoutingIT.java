package io.tunnel.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Routing in the fleet: two servers behind haproxy (round robin), agent-1 claiming {@code host=localhost} and
 * agent-2 {@code cidr=127.0.0.0/8&default-route=true}, each linked to both servers. Whichever server a CONNECT lands
 * on, destHost, cidr and the {@code Tunnel-Agent} header choose the same agent, and each server's {@code /agents}
 * lists both agents with what they claim.
 */
@ExtendWith(SharedTunnels.Extension.class)
class FleetRoutingIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    /** CONNECTs per case: with round robin over two servers, each server takes some. */
    private static final int REQUESTS = 4;

    static FleetFixture fleet;
    static HttpDestination http;

    @BeforeAll
    static void start(SharedTunnels shared) throws IOException {
        Path dir = TestDirs.fresh(Path.of("target", "it-fleet-routing").toAbsolutePath());
        http = HttpDestination.http();
        fleet = FleetFixture.builder(shared.pki(), dir.resolve("logs")).servers(2).agents(2)
                .agentArgs(1, "--agent-identifiers", "host=localhost")
                .agentArgs(2, "--agent-identifiers", "cidr=127.0.0.0/8&default-route=true")
                .start();
    }

    @AfterAll
    static void stop() {
        try (FleetFixture f = fleet; HttpDestination h = http) {
            // closed in reverse order
        }
    }

    @BeforeEach
    void allLinked() {
        fleet.awaitLinked();
    }

    /**
     * {@value #REQUESTS} CONNECTs to {@code host} through haproxy's client port, each answered with the page; returns
     * their access lines, from whichever server wrote them, and adds the servers that did to {@code servedBy}.
     */
    private static List<Map<String, String>> fetch(String host, Set<String> servedBy, String... curlArgs) {
        List<Integer> marks = fleet.servers().stream().map(s -> s.process().mark()).toList();
        for (int i = 0; i < REQUESTS; i++) {
            List<String> command = new ArrayList<>(List.of("curl", "-sS", "--max-time", "20", "-p", "-x",
                    "http://127.0.0.1:" + fleet.clientPort()));
            command.addAll(List.of(curlArgs));
            command.add("http://" + host + ":" + http.port() + "/");
            Commands.Result r = Commands.run(WAIT, command);
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.stdout()).isEqualTo(HttpDestination.BODY);
        }
        String target = host + ":" + http.port();
        List<Map<String, String>> lines = new ArrayList<>();
        Await.until("an access line for each request", WAIT, () -> {
            lines.clear();
            for (int s = 0; s < fleet.servers().size(); s++) {
                FleetFixture.Server server = fleet.servers().get(s);
                List<Map<String, String>> own = AccessLines.since(server.process(), marks.get(s)).stream()
                        .filter(l -> target.equals(l.get("target"))).toList();
                if (!own.isEmpty()) {
                    servedBy.add(server.id());
                }
                lines.addAll(own);
            }
            return lines.size() == REQUESTS;
        });
        return lines;
    }

    @Test
    void everyServerRoutesByTheSameClaimsAndHeader() {
        Set<String> servedBy = new HashSet<>();
        assertThat(fetch("localhost", servedBy)).allSatisfy(line -> assertThat(line)
                .containsEntry("agent", "agent-1").containsEntry("strategy", "destHost").containsEntry("status", "200"));
        assertThat(fetch("127.0.0.1", servedBy)).allSatisfy(line -> assertThat(line)
                .containsEntry("agent", "agent-2").containsEntry("strategy", "cidr").containsEntry("status", "200"));
        assertThat(fetch("127.0.0.1", servedBy, "--proxy-header", "Tunnel-Agent: agent-1")).allSatisfy(line ->
                assertThat(line).containsEntry("agent", "agent-1").containsEntry("strategy", "header")
                        .containsEntry("status", "200"));
        assertThat(servedBy).as("haproxy spread the CONNECTs over both servers")
                .containsExactlyInAnyOrder(fleet.server(1).id(), fleet.server(2).id());
    }

    @Test
    void eachServerListsBothAgentsWithWhatTheyClaim() throws Exception {
        for (FleetFixture.Server server : fleet.servers()) {
            JsonNode agents = new ObjectMapper().readTree(fleet.body(server.healthPort(), "/agents"));
            Map<String, JsonNode> byId = new java.util.HashMap<>();
            agents.forEach(agent -> byId.put(agent.get("id").asText(), agent));
            assertThat(byId).as("server %s", server.id()).containsOnlyKeys("agent-1", "agent-2");
            JsonNode claims1 = byId.get("agent-1").get("links").get(0).get("identifiers");
            assertThat(AgentsJson.texts(claims1.get("hosts"))).containsExactly("localhost");
            JsonNode claims2 = byId.get("agent-2").get("links").get(0).get("identifiers");
            assertThat(AgentsJson.texts(claims2.get("cidrs"))).containsExactly("127.0.0.0/8");
            assertThat(claims2.get("defaultRoute").asBoolean()).isTrue();
        }
    }
}
