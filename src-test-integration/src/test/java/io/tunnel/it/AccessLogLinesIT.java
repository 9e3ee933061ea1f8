package io.tunnel.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * While a stream is open the access log shows it: a line when it opens ({@code --access-log-open}) and progress lines
 * with the bytes so far ({@code --access-log-progress}), then the usual line when it ends; addresses without Java's
 * leading slash, and up/down meaning the same on the server and the agent.
 */
@ExtendWith(SharedTunnels.Extension.class)
class AccessLogLinesIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final long BYTES = 4L * 1024 * 1024;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS) // a failed run keeps the processes' logs
    static Path tmp;
    static TunnelFixture tunnel;
    static HttpDestination http;

    @BeforeAll
    static void start(SharedTunnels shared) throws Exception {
        tunnel = TunnelFixture.builder(shared.pki(), tmp.resolve("logs")).plaintextFrontend()
                .serverArgs("--access-log-open", "--access-log-progress", "1s").start();
        http = HttpDestination.http();
    }

    @AfterAll
    static void stop() {
        try (TunnelFixture t = tunnel; HttpDestination h = http) {
            // closed in reverse order
        }
    }

    @Test
    void aLongDownloadIsLoggedWhenItOpensWhileItRunsAndWhenItEnds() throws Exception {
        int mark = tunnel.server().mark();
        int agentMark = tunnel.agent().mark();
        String request = "GET /bytes?n=" + BYTES + "&ms=4000 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
        try (Socket socket = ConnectSocket.open(tunnel.frontendPort(), "127.0.0.1:" + http.port())) {
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            assertThat(ConnectSocket.readHead(in)).startsWith("HTTP/1.1 200 ");
            assertThat(Pattern.digest(in)).isEqualTo(Pattern.Digest.of(BYTES));
        }
        List<Map<String, String>> ended = AccessLines.await(tunnel.server(), mark, 1,
                line -> "200".equals(line.get("status")), WAIT);
        List<Map<String, String>> lines = AccessLines.since(tunnel.server(), mark);

        Map<String, String> opened = lines.get(0);
        assertThat(opened).containsEntry("event", "opened").containsEntry("up", "0").containsEntry("down", "0")
                .containsEntry("stream", ended.get(0).get("stream"));
        assertThat(opened.get("client")).as("no leading slash").matches("127\\.0\\.0\\.1:\\d+");
        List<Map<String, String>> progress = lines.stream().filter(l -> "progress".equals(l.get("event"))).toList();
        assertThat(progress).as("a line a second while the download ran").isNotEmpty();
        long downSoFar = Long.parseLong(progress.get(progress.size() - 1).get("down"));
        assertThat(downSoFar).as("bytes so far").isPositive().isLessThan(BYTES + 4096);
        assertThat(lines.get(lines.size() - 1)).as("the end comes last").isEqualTo(ended.get(0))
                .doesNotContainKey("event");

        long up = Long.parseLong(ended.get(0).get("up"));
        long down = Long.parseLong(ended.get(0).get("down"));
        assertThat(up).as("the request").isEqualTo(request.length());
        assertThat(down).as("the response").isGreaterThan(BYTES);
        String agentLine = tunnel.agent().awaitLogSince(agentMark, "stream=\\d+ target=127\\.0\\.0\\.1:" + http.port()
                + " opened=true end=\"closed\" up=(\\d+) down=(\\d+)", WAIT).group();
        assertThat(agentLine).as("up and down mean the same on the agent").contains("up=" + up, "down=" + down);
    }
}
