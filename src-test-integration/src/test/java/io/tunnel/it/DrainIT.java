package io.tunnel.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM drains a real process, a second SIGTERM stops it at once: the server stops taking connections and turns
 * unready while its streams go on; the agent tells its server, which then sends it nothing new; each exits 0 once
 * its streams have ended, or 143 at a second SIGTERM.
 */
@ExtendWith(SharedTunnels.Extension.class)
class DrainIT {
    private static final long BYTES = 512 * 1024;
    private static final long MILLIS = 4_000;

    static TestPki pki;
    @TempDir
    Path tmp;
    TunnelFixture tunnel;
    HttpDestination http;

    @BeforeAll
    static void certificates(SharedTunnels shared) {
        pki = shared.pki();
    }

    @BeforeEach
    void start() throws Exception {
        tunnel = TunnelFixture.builder(pki, tmp.resolve("logs")).plaintextFrontend().start();
        http = HttpDestination.http();
    }

    @AfterEach
    void stop() {
        try (TunnelFixture t = tunnel; HttpDestination h = http) {
            // closed in reverse order
        }
    }

    /** Starts a paced download through the tunnel; completes with its digest, or what went wrong. */
    private CompletableFuture<String> download(long bytes, long millis) throws IOException {
        Socket socket = ConnectSocket.open(tunnel.frontendPort(), "127.0.0.1:" + http.port());
        socket.getOutputStream().write(("GET /bytes?n=" + bytes + "&ms=" + millis + " HTTP/1.1\r\nHost: x\r\n"
                + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        InputStream in = socket.getInputStream();
        assertThat(ConnectSocket.readHead(in)).startsWith("HTTP/1.1 200 ");
        return CompletableFuture.supplyAsync(() -> {
            try (socket) {
                return Pattern.digest(in).toString();
            } catch (IOException e) {
                return e.toString();
            }
        });
    }

    private static void signal(JavaProcess process, String signal) {
        Commands.Result r = Commands.run(Duration.ofSeconds(5), List.of("kill", "-" + signal,
                Long.toString(process.pid())));
        assertThat(r.exitCode()).as(r.toString()).isZero();
    }

    @Test
    void aDrainingServerTakesNoConnectionAndExitsZeroOnceItsStreamsHaveEnded() throws Exception {
        CompletableFuture<String> running = download(BYTES, MILLIS);
        int mark = tunnel.server().mark();
        signal(tunnel.server(), "TERM");
        tunnel.server().awaitLogSince(mark, "SIGTERM: draining", Duration.ofSeconds(10));
        Await.until("/readyz 503", Duration.ofSeconds(10),
                () -> tunnel.status(tunnel.healthPort(), "/readyz") == 503);
        assertThat(canConnect(tunnel.frontendPort())).as("the frontend listener is closed").isFalse();
        assertThat(tunnel.server().isAlive()).as("a stream is still running").isTrue();

        assertThat(running.get(30, TimeUnit.SECONDS)).isEqualTo(Pattern.Digest.of(BYTES).toString());
        assertThat(tunnel.server().waitFor()).isZero();
        assertThat(tunnel.server().outputSince(mark)).contains("drained: every agent link has closed");
        tunnel.agent().awaitLog("server .* is going away", Duration.ofSeconds(10));
    }

    @Test
    void aSecondSigtermStopsADrainingServerAtOnce() throws Exception {
        CompletableFuture<String> running = download(BYTES, 60_000);
        int mark = tunnel.server().mark();
        signal(tunnel.server(), "TERM");
        tunnel.server().awaitLogSince(mark, "SIGTERM: draining", Duration.ofSeconds(10));
        signal(tunnel.server(), "TERM");

        assertThat(tunnel.server().waitFor()).as("128 + SIGTERM").isEqualTo(143);
        assertThat(tunnel.server().outputSince(mark)).contains("SIGTERM again: stopping at once");
        assertThat(running.get(10, TimeUnit.SECONDS)).as("its stream was cut")
                .isNotEqualTo(Pattern.Digest.of(BYTES).toString());
    }

    @Test
    void aDrainingAgentIsSentNothingNewAndExitsZeroOnceItsStreamsHaveEnded() throws Exception {
        CompletableFuture<String> running = download(BYTES, MILLIS);
        int mark = tunnel.agent().mark();
        int serverMark = tunnel.server().mark();
        signal(tunnel.agent(), "TERM");
        tunnel.server().awaitLogSince(serverMark, "peer is going away \\(agent shutting down\\)",
                Duration.ofSeconds(10));
        Await.until("agent /readyz 503", Duration.ofSeconds(10),
                () -> tunnel.status(tunnel.agentHealthPort(), "/readyz") == 503);
        tunnel.awaitReady(false);
        try (Socket socket = new Socket("127.0.0.1", tunnel.frontendPort())) {
            socket.getOutputStream().write(("CONNECT 127.0.0.1:" + http.port() + " HTTP/1.1\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            assertThat(ConnectSocket.readHead(socket.getInputStream())).as("no other agent: nothing to choose")
                    .startsWith("HTTP/1.1 503 ");
        }

        assertThat(running.get(30, TimeUnit.SECONDS)).isEqualTo(Pattern.Digest.of(BYTES).toString());
        assertThat(tunnel.agent().waitFor()).isZero();
        assertThat(tunnel.agent().outputSince(mark)).contains("drained: every link has closed");
    }

    private static boolean canConnect(int port) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false; // refused: nothing listens
        }
    }
}
