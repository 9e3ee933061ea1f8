package io.tunnel.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two servers and two agents behind one haproxy (the Kubernetes Service): each agent links to both servers through
 * the one address; a rolling restart of every process under load fails no stream; a server killed without a drain
 * loses its streams, and clients move to the other server.
 */
@ExtendWith(SharedTunnels.Extension.class)
class FleetIT {
    /** Each download: 1 MiB paced over 3 s, so stops find downloads in flight. */
    private static final long DOWNLOAD_BYTES = 1024 * 1024;
    private static final long DOWNLOAD_MILLIS = 3_000;
    private static final int DOWNLOADS = 20;
    private static final int TUNNELS_PER_SECOND = 60;
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);

    static FleetFixture fleet;
    static HttpDestination http;

    @BeforeAll
    static void start(SharedTunnels shared) throws IOException {
        Path dir = TestDirs.fresh(Path.of("target", "it-fleet").toAbsolutePath());
        http = HttpDestination.http();
        fleet = FleetFixture.builder(shared.pki(), dir.resolve("logs")).servers(2).agents(2).start();
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

    private String target() {
        return "127.0.0.1:" + http.port();
    }

    @Test
    void eachAgentLinksToBothServersThroughTheOneAddress() throws Exception {
        Set<String> serverIds = new TreeSet<>();
        fleet.servers().forEach(s -> serverIds.add(s.id()));
        assertThat(serverIds).hasSize(2);
        for (FleetFixture.Agent agent : fleet.agents()) {
            JsonNode page = fleet.links(agent);
            assertThat(page.path("server_count").asInt()).isEqualTo(2);
            List<JsonNode> active = new ArrayList<>();
            page.path("links").forEach(link -> {
                if (link.path("state").asText().equals("active")) {
                    active.add(link);
                }
            });
            assertThat(active).extracting(link -> link.path("server_id").asText())
                    .containsExactlyInAnyOrderElementsOf(serverIds);
            assertThat(active).extracting(link -> link.path("address").asText())
                    .containsOnly("127.0.0.1:" + fleet.haproxy().agentPort());
            String metrics = fleet.body(agent.healthPort(), "/metrics");
            assertThat(metrics).contains("tunnel_agent_connected 2.0", "tunnel_agent_server_count 2.0");
            for (String id : serverIds) {
                assertThat(metrics).contains("tunnel_agent_links{server_id=\"" + id + "\",state=\"active\"} 1.0");
            }
            assertThat(fleet.status(agent.healthPort(), "/readyz")).isEqualTo(200);
        }
        for (FleetFixture.Server server : fleet.servers()) {
            String log = server.process().output();
            for (FleetFixture.Agent agent : fleet.agents()) {
                assertThat(log).contains("agent " + agent.id() + " connected from");
            }
            // A link that reached a server the agent holds already was closed politely, logged at INFO.
            log.lines().filter(l -> l.contains("duplicate link")).forEach(l -> assertThat(l).contains(" INFO "));
        }
    }

    @Test
    void aRollingRestartUnderLoadFailsNoStream() throws Exception {
        long start = System.nanoTime();
        int restarts = 0;
        try (Downloads downloads = Downloads.start(fleet.clientPort(), target(), DOWNLOAD_BYTES, DOWNLOAD_MILLIS,
                DOWNLOADS);
             TunnelLoad load = TunnelLoad.start(fleet.clientPort(), target(), TUNNELS_PER_SECOND)) {
            Await.until("the downloads to run", STOP_TIMEOUT, () -> downloads.started() >= DOWNLOADS);
            for (int i = 1; i <= 2; i++) {
                JavaProcess stopped = fleet.server(i).process();
                int mark = stopped.mark();
                assertThat(fleet.stopServer(i)).as("server %d's exit code after its drain", i).isZero();
                assertThat(downloadsEndedAfter(stopped, mark, "down=(\\d+)")).as("downloads server %d drained", i)
                        .isPositive();
                fleet.startServer(i);
                fleet.awaitLinked();
                restarts++;
            }
            for (int i = 1; i <= 2; i++) {
                JavaProcess stopped = fleet.agent(i).process();
                int mark = stopped.mark();
                assertThat(fleet.stopAgent(i)).as("agent %d's exit code after its drain", i).isZero();
                assertThat(downloadsEndedAfter(stopped, mark, "down=(\\d+)")).as("downloads agent %d drained", i)
                        .isPositive();
                fleet.startAgent(i);
                fleet.awaitLinked();
                restarts++;
            }
            load.close();
            downloads.close();
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("rolling restart: %d restarts in %.1f s; %d new tunnels (%.0f/s), %d failed; "
                            + "%d downloads of %d bytes completed byte-exact, %d failed%n", restarts, seconds,
                    load.attempts(), load.attempts() / seconds, load.failures().size(), downloads.completed(),
                    DOWNLOAD_BYTES, downloads.failures().size());
            assertThat(load.failures()).as("new tunnels not answered 200 (ms after the start)").isEmpty();
            assertThat(load.attempts()).as("at least 50 new tunnels a second").isGreaterThanOrEqualTo(
                    (long) (50 * (load.elapsedMillis() / 1000.0)));
            assertThat(downloads.failures()).as("downloads that did not arrive byte-exact").isEmpty();
            assertThat(downloads.completed()).isGreaterThanOrEqualTo(DOWNLOADS);
        }
        fleet.awaitLinked();
    }

    /**
     * Downloads whose stream ended cleanly in {@code process}'s access log after {@code mark} (its SIGTERM): lines
     * with {@code end="closed"} whose byte count (first group of {@code bytes}) reaches a whole download.
     */
    private static long downloadsEndedAfter(JavaProcess process, int mark, String bytes) {
        java.util.regex.Pattern count = java.util.regex.Pattern.compile(bytes);
        return process.outputSince(mark).lines()
                .filter(line -> line.contains("end=\"closed\""))
                .filter(line -> {
                    Matcher m = count.matcher(line);
                    return m.find() && Long.parseLong(m.group(1)) >= DOWNLOAD_BYTES;
                })
                .count();
    }

    @Test
    void aServerKilledEndsItsStreamsAndClientsMoveToTheOtherServer() throws Exception {
        FleetFixture.Server victim = fleet.server(1);
        // A download through server 1 itself (haproxy would choose either server).
        try (Socket socket = ConnectSocket.open(victim.frontendPort(), target())) {
            socket.getOutputStream().write(("GET /bytes?n=" + (16 * DOWNLOAD_BYTES) + "&ms=60000 HTTP/1.1\r\nHost: x"
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            assertThat(ConnectSocket.readHead(in)).startsWith("HTTP/1.1 200 ");
            CompletableFuture<Long> received = CompletableFuture.supplyAsync(() -> {
                long n = 0;
                byte[] buf = new byte[64 * 1024];
                try {
                    for (int r; (r = in.read(buf)) >= 0; ) {
                        n += r;
                    }
                } catch (IOException e) {
                    // a reset ends it too
                }
                return n;
            });
            try (TunnelLoad load = TunnelLoad.start(fleet.clientPort(), target(), TUNNELS_PER_SECOND)) {
                Await.until("tunnels through haproxy", STOP_TIMEOUT, () -> load.answered() >= 50);
                long killedAt = load.elapsedMillis();
                fleet.killServer(1);
                assertThat(received.get(10, TimeUnit.SECONDS)).as("the download through the killed server ended")
                        .isLessThan(16 * DOWNLOAD_BYTES);
                fleet.haproxy().awaitClientBackend(1, false, Duration.ofSeconds(5));
                long answeredBefore = load.answered();
                Await.until("100 more tunnels", STOP_TIMEOUT, () -> load.answered() >= answeredBefore + 100);
                load.close();
                List<TunnelLoad.Failure> late = load.failures().stream()
                        .filter(f -> f.startedMillis() >= killedAt + 2_000).toList();
                System.out.printf("server killed: %d tunnels failed within 2 s of the kill, %d after%n",
                        load.failures().size() - late.size(), late.size());
                assertThat(late).as("tunnels started 2 s or more after the kill (ms after the load's start)")
                        .isEmpty();
            }
        }
        fleet.startServer(1);
        fleet.awaitLinked();
        int mark = 0;
        for (FleetFixture.Agent agent : fleet.agents()) {
            fleet.server(1).process().awaitLogSince(mark, "agent " + agent.id() + " connected from",
                    Duration.ofSeconds(10));
        }
    }
}
