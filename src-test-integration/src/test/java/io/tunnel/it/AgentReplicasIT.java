package io.tunnel.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * One server with {@code --agent-replicas}: two processes with agent-1's certificate are its replicas, both used;
 * agent-2 beside them. Then agent-2 is frozen (SIGSTOP): new tunnels that any agent could take all succeed, none
 * waits much more than the two seconds it takes to find the frozen link suspect, and once it is suspect none goes
 * to it. No agent claims anything, so every CONNECT is routed by the {@code default} strategy.
 */
@ExtendWith(SharedTunnels.Extension.class)
class AgentReplicasIT {
    private static final Duration WAIT = Duration.ofSeconds(20);
    /**
     * The longest a new tunnel may wait for its 200 while an agent is frozen: the two seconds the server takes to
     * find the link suspect (a DIAL unanswered for 1 s, then a PING for 1 s), then a dial over another link, with
     * room for a busy machine. Without the probe a tunnel sent to the frozen agent waits for --dial-timeout (10 s).
     */
    private static final long SUSPECT_WAIT_BOUND_MILLIS = 3_500;
    /** New tunnels before one lands on the frozen agent: by chance alone none would once in about 10^5. */
    private static final int MAX_TUNNELS_TO_HIT = 30;
    private static final int TUNNELS_AFTER = 12;

    @TempDir
    static Path tmp;
    static TunnelFixture tunnel;
    static JavaProcess replica;
    static JavaProcess agent2;
    static TcpDestination echo;

    @BeforeAll
    static void start(SharedTunnels shared) throws Exception {
        TestPki pki = shared.pki();
        pki.ensureAgent("agent-2");
        tunnel = TunnelFixture.builder(pki, tmp.resolve("logs")).plaintextFrontend().serverArgs("--agent-replicas")
                .start();
        replica = tunnel.startExtraAgent();
        agent2 = tunnel.startExtraAgent("--agent-cert", pki.cert("agent", "agent-2").toString(),
                "--agent-key", pki.key("agent", "agent-2").toString());
        Await.until("agent-1 twice and agent-2 linked", WAIT, () -> {
            JsonNode agents = AgentsJson.read(tunnel);
            return AgentsJson.links(agents, "agent-1").size() == 2 && AgentsJson.links(agents, "agent-2").size() == 1;
        });
        echo = TcpDestination.start(TcpDestination.Mode.ECHO);
    }

    @AfterAll
    static void stop() throws Exception {
        try (TunnelFixture t = tunnel; TcpDestination e = echo) {
            // closed in reverse order
        }
    }

    private static String target() {
        return "127.0.0.1:" + echo.port();
    }

    @Test
    void theReplicasOfAnAgentAreBothUsedByLoad() throws Exception {
        Await.until("no stream open on agent-1", WAIT, () -> AgentsJson.links(AgentsJson.read(tunnel), "agent-1")
                .stream().allMatch(l -> l.get("openStreams").asInt() == 0));
        int mark = tunnel.server().mark();
        List<Socket> open = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                StringBuilder head = new StringBuilder();
                open.add(ConnectSocket.open(tunnel.frontendPort(), target(), "Tunnel-Agent: agent-1\r\n", head));
                assertThat(head.toString()).startsWith("HTTP/1.1 200 ");
            }
            List<JsonNode> links = AgentsJson.links(AgentsJson.read(tunnel), "agent-1");
            assertThat(links).as("the replicas, under their agent id").hasSize(2);
            assertThat(links).as("the fewest open streams win: two each")
                    .allSatisfy(l -> assertThat(l.get("openStreams").asInt()).isEqualTo(2));
        } finally {
            for (Socket socket : open) {
                socket.close();
            }
        }
        List<Map<String, String>> lines = AccessLines.await(tunnel.server(), mark, 4, l -> true, WAIT);
        assertThat(lines).allSatisfy(l -> assertThat(l).containsEntry("agent", "agent-1")
                .containsEntry("strategy", "header").containsEntry("status", "200"));
        assertThat(lines.stream().map(l -> l.get("link")).distinct()).hasSize(2);
    }

    @Test
    void aFrozenAgentIsSuspectWithinSecondsAndNewTunnelsGoElsewhere() throws Exception {
        int mark = tunnel.server().mark();
        agent2.signal("STOP");
        try {
            long slowest = 0;
            int tunnels = 0;
            while (!tunnel.server().outputSince(mark).contains("agent agent-2 link")) {
                assertThat(tunnels++).as("tunnels before one was sent to agent-2").isLessThan(MAX_TUNNELS_TO_HIT);
                slowest = Math.max(slowest, timedTunnel());
            }
            String suspect = tunnel.server().awaitLogSince(mark, "agent agent-2 link \\w+: .* suspect, .*; "
                    + "1 of 1 pending dial\\(s\\) moved to other links", WAIT).group();
            int afterSuspect = tunnel.server().mark();
            for (int i = 0; i < TUNNELS_AFTER; i++) {
                slowest = Math.max(slowest, timedTunnel());
            }
            assertThat(slowest).as("ms the slowest new tunnel waited for its 200 (%s)", suspect)
                    .isLessThan(SUSPECT_WAIT_BOUND_MILLIS);

            List<Map<String, String>> before = AccessLines.await(tunnel.server(), mark, tunnels, AccessLines::answered,
                    WAIT);
            assertThat(before).allSatisfy(l -> assertThat(l).containsEntry("status", "200"));
            assertThat(AccessLines.since(tunnel.server(), mark)).as("the DIAL taken back from agent-2")
                    .filteredOn(l -> l.get("status").equals("-")).singleElement()
                    .satisfies(l -> assertThat(l).containsEntry("agent", "agent-2"));
            List<Map<String, String>> after = AccessLines.await(tunnel.server(), afterSuspect, TUNNELS_AFTER,
                    AccessLines::answered, WAIT);
            assertThat(after).as("once suspect, no tunnel goes to agent-2")
                    .allSatisfy(l -> assertThat(l).containsEntry("status", "200").doesNotContainEntry("agent",
                            "agent-2"));
            Set<String> agents = new HashSet<>();
            after.forEach(l -> agents.add(l.get("agent")));
            assertThat(agents).containsExactly("agent-1");
            assertThat(AgentsJson.links(AgentsJson.read(tunnel), "agent-2").get(0).get("suspect").asBoolean())
                    .isTrue();
        } finally {
            agent2.signal("CONT");
        }
        tunnel.server().awaitLogSince(mark, "agent agent-2 link \\w+ answers again: no longer suspect", WAIT);
        assertThat(AgentsJson.links(AgentsJson.read(tunnel), "agent-2").get(0).get("suspect").asBoolean()).isFalse();
    }

    /** Opens a tunnel through the frontend, checks it echoes, and returns the ms it waited for its 200. */
    private static long timedTunnel() throws IOException {
        long start = System.nanoTime();
        StringBuilder head = new StringBuilder();
        try (Socket socket = ConnectSocket.open(tunnel.frontendPort(), target(), "", head)) {
            long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(head.toString()).startsWith("HTTP/1.1 200 ");
            socket.getOutputStream().write('x');
            assertThat(socket.getInputStream().read()).isEqualTo('x');
            return waited;
        }
    }
}
