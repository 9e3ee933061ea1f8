package io.tunnel.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * One stream whose reader stops must not stall the others on the same agent link, and what it buffers stays
 * within its window. Behaviour only: the figures (throughput with and without the stall) are the benchmark's. The
 * tunnel is this class's own: its assertions read server-wide metrics, which must count its streams only.
 */
@ExtendWith(SharedTunnels.Extension.class)
class FlowControlIT {
    /** The largest a stream window grows ({@code LinkConstants.MAX_STREAM_WINDOW}). */
    private static final long MAX_WINDOW = 8L * 1024 * 1024;
    private static final long BULK = 200L * 1024 * 1024;

    @TempDir
    static Path tmp;
    static TunnelFixture tunnel;
    static TcpDestination source;
    static TcpDestination echo;

    @BeforeAll
    static void start(SharedTunnels shared) throws Exception {
        tunnel = TunnelFixture.builder(shared.pki(), tmp.resolve("logs")).plaintextFrontend().start();
        source = TcpDestination.start(TcpDestination.Mode.SOURCE);
        echo = TcpDestination.start(TcpDestination.Mode.ECHO);
    }

    @AfterAll
    static void stop() throws Exception {
        try (TunnelFixture t = tunnel; TcpDestination s = source; TcpDestination e = echo) {
            // closed in reverse order
        }
    }

    @Test
    void aStalledReaderDoesNotStallTheOtherStreams() throws Exception {
        try (Socket stalled = new Socket()) {
            stalled.setReceiveBufferSize(16 * 1024);
            stalled.connect(new java.net.InetSocketAddress("127.0.0.1", tunnel.frontendPort()));
            String target = "127.0.0.1:" + source.port();
            stalled.getOutputStream().write(("CONNECT " + target + " HTTP/1.1\r\n\r\n10000000000\n")
                    .getBytes(StandardCharsets.US_ASCII));
            // Never read: the server fills the socket, then the stream's window, then stops.
            Await.until("the stalled stream to use up its window", Duration.ofSeconds(20), FlowControlIT::settled);

            CompletableFuture<Pattern.Digest> bulk = CompletableFuture.supplyAsync(FlowControlIT::bulkDownload);
            CompletableFuture<Integer> pings = CompletableFuture.supplyAsync(FlowControlIT::requestResponse);
            assertThat(bulk.get(120, TimeUnit.SECONDS)).isEqualTo(Pattern.Digest.of(BULK));
            assertThat(pings.get(120, TimeUnit.SECONDS)).isEqualTo(500);

            long unwritten = serverMetric("tunnel_server_stream_unwritten_bytes");
            long unsent = agentMetric("tunnel_agent_stream_unsent_bytes");
            assertThat(unwritten).as("bytes queued for the stalled client stay within one window")
                    .isPositive().isLessThanOrEqualTo(MAX_WINDOW);
            assertThat(unsent).as("the agent holds at most a read's worth it could not send")
                    .isLessThanOrEqualTo(1024 * 1024);
        }
        Await.until("the stalled stream's buffers to be freed", Duration.ofSeconds(10),
                () -> serverMetric("tunnel_server_stream_unwritten_bytes") == 0
                        && serverMetric("tunnel_server_open_streams") == 0);
    }

    private static long lastSeen = -1;

    /** True once bytes queue for the stalled client and their amount stopped moving between two polls. */
    private static boolean settled() throws Exception {
        long now = serverMetric("tunnel_server_stream_unwritten_bytes");
        boolean same = now > 0 && now == lastSeen;
        lastSeen = now;
        return same;
    }

    private static Pattern.Digest bulkDownload() {
        try (Socket socket = ConnectSocket.open(tunnel.frontendPort(), "127.0.0.1:" + source.port())) {
            socket.getOutputStream().write((BULK + "\n").getBytes(StandardCharsets.US_ASCII));
            return Pattern.digest(socket.getInputStream());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static int requestResponse() {
        try (Socket socket = ConnectSocket.open(tunnel.frontendPort(), "127.0.0.1:" + echo.port())) {
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            byte[] request = new byte[1024];
            int done = 0;
            for (int i = 0; i < 500; i++) {
                Arrays.fill(request, (byte) i);
                out.write(request);
                byte[] reply = in.readNBytes(request.length);
                if (Arrays.equals(reply, request)) {
                    done++;
                }
            }
            return done;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static long serverMetric(String name) throws Exception {
        return metric(tunnel.body(tunnel.healthPort(), "/metrics"), name);
    }

    private static long agentMetric(String name) throws Exception {
        return metric(tunnel.body(tunnel.agentHealthPort(), "/metrics"), name);
    }

    private static long metric(String text, String name) {
        Matcher m = java.util.regex.Pattern.compile("(?m)^" + name + " ([0-9.eE+]+)$").matcher(text);
        assertThat(m.find()).as("metric %s in %s", name, text).isTrue();
        return (long) Double.parseDouble(m.group(1));
    }
}
