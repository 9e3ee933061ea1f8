package io.tunnel.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** What a stream carries: half-close, bulk transfers byte for byte, concurrency, pipelined bytes. */
@ExtendWith(SharedTunnels.Extension.class)
class StreamSemanticsIT {
    private static final long HUNDRED_MIB = 100L * 1024 * 1024;

    static TunnelFixture tunnel;
    static TcpDestination sink;
    static TcpDestination source;
    static TcpDestination echo;
    static TcpDestination mute;

    @BeforeAll
    static void start(SharedTunnels shared) throws Exception {
        tunnel = shared.plain();
        sink = TcpDestination.start(TcpDestination.Mode.SINK);
        source = TcpDestination.start(TcpDestination.Mode.SOURCE);
        echo = TcpDestination.start(TcpDestination.Mode.ECHO);
        mute = TcpDestination.start(TcpDestination.Mode.MUTE);
    }

    @AfterAll
    static void stop() throws Exception {
        try (TcpDestination a = sink; TcpDestination b = source; TcpDestination c = echo;
             TcpDestination d = mute) {
            // closed in reverse order
        }
    }

    /** The destination answers only after it saw EOF: the client's FIN must cross the tunnel, its reply come back. */
    @Test
    void halfCloseCarriesFinAndTheReplyStillFlows() throws Exception {
        try (Socket socket = ConnectSocket.open(tunnel.frontendPort(), "127.0.0.1:" + sink.port())) {
            byte[] data = "some bytes before the end of the request".getBytes(StandardCharsets.US_ASCII);
            socket.getOutputStream().write(data);
            socket.shutdownOutput();
            String reply = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.US_ASCII)).readLine();
            Pattern.Digest expected = new Pattern.Digest(data.length, sha256(data));
            assertThat(Pattern.Digest.parse(reply)).isEqualTo(expected);
            assertThat(socket.getInputStream().read()).as("EOF after the reply").isEqualTo(-1);
        }
    }

    /**
     * The client half-closes, the destination stays silent, then the client resets its socket: epoll reports nothing
     * more on a socket whose input ended and nothing is written to it, so only the server's periodic probe of such
     * sockets ends the stream (and the destination's connection) instead of the destination's eventual close.
     */
    @Test
    void aResetAfterTheClientsHalfCloseEndsTheStream() throws Exception {
        int clientPort;
        int mark = tunnel.server().mark();
        try (Socket socket = ConnectSocket.open(tunnel.frontendPort(), "127.0.0.1:" + mute.port())) {
            clientPort = socket.getLocalPort();
            socket.getOutputStream().write(42);
            socket.shutdownOutput();
            assertThat(mute.received().poll(10, TimeUnit.SECONDS)).as("the FIN crossed the tunnel")
                    .isEqualTo(new Pattern.Digest(1, sha256(new byte[] {42})));
            socket.setSoLinger(true, 0); // close() now sends RST
        }
        String line = tunnel.server().awaitLogSince(mark, "access - client=127\\.0\\.0\\.1:" + clientPort + " .*",
                Duration.ofSeconds(10)).group();
        assertThat(line).contains("end=\"CANCEL (socket reset by peer)\"");
    }

    @Test
    void hundredMebibytesUpByteExact() throws Exception {
        try (Socket socket = ConnectSocket.open(tunnel.frontendPort(), "127.0.0.1:" + sink.port())) {
            Pattern.write(socket.getOutputStream(), HUNDRED_MIB);
            socket.shutdownOutput();
            String reply = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.US_ASCII)).readLine();
            assertThat(Pattern.Digest.parse(reply)).isEqualTo(Pattern.Digest.of(HUNDRED_MIB));
        }
    }

    @Test
    void hundredMebibytesDownByteExact() throws Exception {
        try (Socket socket = ConnectSocket.open(tunnel.frontendPort(), "127.0.0.1:" + source.port())) {
            socket.getOutputStream().write((HUNDRED_MIB + "\n").getBytes(StandardCharsets.US_ASCII));
            assertThat(Pattern.digest(socket.getInputStream())).isEqualTo(Pattern.Digest.of(HUNDRED_MIB));
        }
    }

    @Test
    void fiftyConcurrentStreamsEachByteExact() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(50);
        try {
            List<CompletableFuture<byte[]>> results = new ArrayList<>();
            List<byte[]> sent = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                byte[] data = new byte[256 * 1024 + i];
                Arrays.fill(data, (byte) i);
                data[0] = (byte) (i * 7);
                sent.add(data);
                results.add(CompletableFuture.supplyAsync(() -> echoThrough(data), pool));
            }
            for (int i = 0; i < 50; i++) {
                assertThat(results.get(i).get(60, TimeUnit.SECONDS)).as("stream %d", i).isEqualTo(sent.get(i));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static byte[] echoThrough(byte[] data) {
        try (Socket socket = ConnectSocket.open(tunnel.frontendPort(), "127.0.0.1:" + echo.port())) {
            OutputStream out = socket.getOutputStream();
            CompletableFuture<byte[]> read = CompletableFuture.supplyAsync(() -> {
                try {
                    return socket.getInputStream().readAllBytes();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            out.write(data);
            socket.shutdownOutput();
            return read.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Bytes sent right behind the CONNECT head, before the 200, reach the destination once the dial succeeded. */
    @Test
    void bytesPipelinedAfterAcceptedConnectAreForwarded() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", tunnel.frontendPort())) {
            socket.setSoTimeout(30_000);
            String target = "127.0.0.1:" + echo.port();
            socket.getOutputStream().write(("CONNECT " + target + " HTTP/1.1\r\nHost: " + target
                    + "\r\n\r\npipelined-payload").getBytes(StandardCharsets.US_ASCII));
            socket.shutdownOutput();
            InputStream in = socket.getInputStream();
            assertThat(ConnectSocket.readHead(in)).startsWith("HTTP/1.1 200 ");
            assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("pipelined-payload");
        }
    }

    /** Pipelined bytes must go out on their own, not wait for a later flush (here nothing else follows). */
    @Test
    void pipelinedRequestIsForwardedWithoutFurtherTraffic() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", tunnel.frontendPort())) {
            socket.setSoTimeout(30_000);
            String target = "127.0.0.1:" + source.port();
            socket.getOutputStream().write(("CONNECT " + target + " HTTP/1.1\r\n\r\n1000\n")
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            assertThat(ConnectSocket.readHead(in)).startsWith("HTTP/1.1 200 ");
            assertThat(Pattern.digest(in)).isEqualTo(Pattern.Digest.of(1000));
        }
    }

    @Test
    void streamStateIsGoneAfterwards() throws Exception {
        halfCloseCarriesFinAndTheReplyStillFlows();
        Await.until("no open streams in the server's metrics", java.time.Duration.ofSeconds(10), () -> {
            String metrics = tunnel.body(tunnel.healthPort(), "/metrics");
            return java.util.regex.Pattern.compile("(?m)^tunnel_server_open_streams 0(\\.0)?$").matcher(metrics).find();
        });
    }

    private static String sha256(byte[] data) {
        return java.util.HexFormat.of().formatHex(Pattern.sha256().digest(data));
    }
}
