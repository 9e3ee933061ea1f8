package io.tunnel.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Routing by the agents' identifiers (docs/protocol.md §6.9), with real jars: one server, agent-1 claiming
 * {@code host=localhost}, agent-2 claiming {@code cidr=127.0.0.0/8&default-route=true} and also
 * {@code host=localhost}, which the server's {@code --agent-claims-file} does not allow it. Each route is read from
 * the access log ({@code agent=}, {@code strategy=}) and from {@code /agents}.
 */
@ExtendWith(SharedTunnels.Extension.class)
class RoutingIT {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String CLAIMS = """
            # agent id   what it may claim
            agent-1      host=localhost
            agent-2      cidr=127.0.0.0/8&default-route=true
            """;
    /** Requests to a name both agents claimed: by chance alone all would go to agent-1 once in 2^10. */
    private static final int REQUESTS = 10;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS) // a failed run keeps the processes' logs
    static Path tmp;
    static TestPki pki;
    static TunnelFixture tunnel;
    static HttpDestination http;

    @BeforeAll
    static void start(SharedTunnels shared) throws Exception {
        pki = shared.pki();
        pki.ensureAgent("agent-2");
        Path claims = Files.writeString(tmp.resolve("claims"), CLAIMS);
        tunnel = TunnelFixture.builder(pki, tmp.resolve("logs")).plaintextFrontend()
                .serverArgs("--agent-claims-file", claims.toString()).withoutAgent().start();
        tunnel.startAgent("--agent-identifiers", "host=localhost");
        tunnel.startExtraAgent("--agent-cert", pki.cert("agent", "agent-2").toString(),
                "--agent-key", pki.key("agent", "agent-2").toString(),
                "--agent-identifiers", "cidr=127.0.0.0/8&default-route=true&host=localhost");
        Await.until("both agents linked", WAIT, () -> AgentsJson.read(tunnel).size() == 2);
        http = HttpDestination.http();
    }

    @AfterAll
    static void stop() {
        try (TunnelFixture t = tunnel; HttpDestination h = http) {
            // closed in reverse order
        }
    }

    /** curl through the tunnel to {@code host}, with extra curl arguments; fails unless the page comes back. */
    private static void fetch(String host, String... curlArgs) {
        Commands.Result r = curl(host, curlArgs);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).isEqualTo(HttpDestination.BODY);
    }

    private static Commands.Result curl(String host, String... curlArgs) {
        List<String> command = new ArrayList<>(List.of("curl", "-sS", "--max-time", "20", "-p", "-x",
                tunnel.proxyUrl()));
        command.addAll(List.of(curlArgs));
        command.add("http://" + host + ":" + http.port() + "/");
        return Commands.run(WAIT, command);
    }

    /** The one access line of a request to {@code host} after {@code mark}. */
    private static Map<String, String> routed(int mark, String host) {
        return AccessLines.await(tunnel.server(), mark, 1,
                l -> l.get("target").equals(host + ":" + http.port()), WAIT).get(0);
    }

    @Test
    void aNameAnAgentClaimsGoesToThatAgentByDestHost() {
        int mark = tunnel.server().mark();
        fetch("localhost");
        assertThat(routed(mark, "localhost")).containsEntry("agent", "agent-1").containsEntry("status", "200")
                .containsEntry("strategy", "destHost");
    }

    @Test
    void anAddressInsideAnAgentsCidrGoesToThatAgent() {
        int mark = tunnel.server().mark();
        fetch("127.0.0.1");
        assertThat(routed(mark, "127.0.0.1")).containsEntry("agent", "agent-2").containsEntry("status", "200")
                .containsEntry("strategy", "cidr");
    }

    @Test
    void theTunnelAgentHeaderForcesTheAgent() {
        int mark = tunnel.server().mark();
        fetch("127.0.0.1", "--proxy-header", "Tunnel-Agent: agent-1");
        assertThat(routed(mark, "127.0.0.1")).containsEntry("agent", "agent-1").containsEntry("status", "200")
                .containsEntry("strategy", "header");
    }

    @Test
    void theTunnelAgentHeaderNamingNoLinkedAgentIs503() {
        int mark = tunnel.server().mark();
        Commands.Result r = curl("127.0.0.1", "--proxy-header", "Tunnel-Agent: agent-9");
        assertThat(r.exitCode()).as(r.toString()).isNotZero();
        assertThat(r.stderr()).contains("503");
        assertThat(routed(mark, "127.0.0.1")).containsEntry("agent", "-").containsEntry("status", "503")
                .containsEntry("end", "Tunnel-Agent agent-9: not linked");
    }

    @Test
    void aClaimTheClaimsFileRefusesIsNotUsedForRouting() throws Exception {
        assertThat(tunnel.server().output()).contains(
                "agent agent-2 from", "claims not allowed by --agent-claims-file dropped: \"host=localhost\"");
        int mark = tunnel.server().mark();
        for (int i = 0; i < REQUESTS; i++) {
            fetch("localhost");
        }
        assertThat(AccessLines.await(tunnel.server(), mark, REQUESTS, l -> true, WAIT))
                .allSatisfy(l -> assertThat(l).containsEntry("agent", "agent-1"));

        JsonNode agents = AgentsJson.read(tunnel);
        JsonNode agent1 = AgentsJson.links(agents, "agent-1").get(0).get("identifiers");
        JsonNode agent2 = AgentsJson.links(agents, "agent-2").get(0).get("identifiers");
        assertThat(AgentsJson.texts(agent1.get("hosts"))).containsExactly("localhost");
        assertThat(AgentsJson.texts(agent2.get("hosts"))).as("refused by the claims file").isEmpty();
        assertThat(AgentsJson.texts(agent2.get("cidrs"))).containsExactly("127.0.0.0/8");
        assertThat(agent2.get("defaultRoute").asBoolean()).isTrue();
    }

    @Test
    void agentsListsEachAgentWithItsLink() throws Exception {
        fetch("localhost");
        JsonNode agents = AgentsJson.read(tunnel);
        assertThat(agents).hasSize(2);
        for (String id : List.of("agent-1", "agent-2")) {
            List<JsonNode> links = AgentsJson.links(agents, id);
            assertThat(links).as(id).hasSize(1);
            JsonNode link = links.get(0);
            assertThat(link.get("remoteAddress").asText()).startsWith("127.0.0.1:");
            assertThat(link.get("goingAway").asBoolean()).isFalse();
            assertThat(link.get("suspect").asBoolean()).isFalse();
            assertThat(tunnel.server().output()).as("the link the server logged when %s connected", id)
                    .containsPattern("agent " + id + " connected from \\S+ \\(" + link.get("link").asText() + "\\)");
        }
        assertThat(AgentsJson.links(agents, "agent-1").get(0).get("bytesFromAgent").asLong())
                .as("agent-1 carried pages").isPositive();
        assertThat(tunnel.body(tunnel.healthPort(), "/metrics"))
                .contains("tunnel_server_agent_open_streams{agent=\"agent-1\"}");
    }

    @Test
    void aSecondLinkPresentingAgent1sCertificateIsRefused() throws Exception {
        int mark = tunnel.server().mark();
        JavaProcess copy = tunnel.startExtraAgent("--agent-identifiers", "host=localhost");
        try {
            copy.awaitLog("refused the link: CANCEL agent id already linked to this server", WAIT);
            String refusal = tunnel.server().awaitLogSince(mark,
                    "agent agent-1 from (\\S+) refused: already linked from (\\S+) \\(link (\\w+)\\)", WAIT).group();
            String linked = AgentsJson.links(AgentsJson.read(tunnel), "agent-1").get(0).get("link").asText();
            assertThat(refusal).endsWith("(link " + linked + ")");
            assertThat(AgentsJson.links(AgentsJson.read(tunnel), "agent-1")).as("still the one link").hasSize(1);
            int afterRefusal = tunnel.server().mark();
            fetch("localhost");
            assertThat(routed(afterRefusal, "localhost")).containsEntry("link", linked);
        } finally {
            copy.stop();
        }
    }
}
