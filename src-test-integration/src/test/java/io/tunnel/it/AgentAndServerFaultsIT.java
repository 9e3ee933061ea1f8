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
 * Processes die: the tunnel notices at once, tells clients, and heals without an operator. Each test kills processes
 * of a tunnel of its own.
 */
@ExtendWith(SharedTunnels.Extension.class)
class AgentAndServerFaultsIT {
    static TestPki pki;
    @TempDir
    Path tmp;
    TunnelFixture tunnel;
    TcpDestination source;
    HttpDestination http;

    @BeforeAll
    static void certificates(SharedTunnels shared) {
        pki = shared.pki();
    }

    @BeforeEach
    void start() throws Exception {
        tunnel = TunnelFixture.builder(pki, tmp.resolve("logs")).plaintextFrontend().start();
        source = TcpDestination.start(TcpDestination.Mode.SOURCE);
        http = HttpDestination.http();
    }

    @AfterEach
    void stop() throws Exception {
        try (TunnelFixture t = tunnel; TcpDestination s = source; HttpDestination h = http) {
            // closed in reverse order
        }
    }

    @Test
    void agentKilledMidTransferClosesTheClientWithinASecondAndRejoinsAfterRestart() throws Exception {
        try (Socket socket = ConnectSocket.open(tunnel.frontendPort(), "127.0.0.1:" + source.port())) {
            socket.setSoTimeout(10_000);
            socket.setReceiveBufferSize(64 * 1024);
            socket.getOutputStream().write("100000000000\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            byte[] buf = new byte[64 * 1024];
            assertThat(in.read(buf)).as("transfer under way").isPositive();

            // Drain concurrently so the close is seen as soon as it happens, not after buffers fill.
            CompletableFuture<Long> closedAt = CompletableFuture.supplyAsync(() -> {
                try {
                    while (in.read(buf) >= 0) {
                        // discard
                    }
                } catch (IOException e) {
                    // a reset is a close too
                }
                return System.nanoTime();
            });
            long killedAt = System.nanoTime();
            tunnel.agent().kill();
            long millis = TimeUnit.NANOSECONDS.toMillis(closedAt.get(10, TimeUnit.SECONDS) - killedAt);
            assertThat(millis).as("client socket closed after the agent died").isLessThan(1_000);
        }
        tunnel.awaitReady(false);
        tunnel.startAgent();
        tunnel.awaitReady(true);
        assertThat(fetch()).isEqualTo(HttpDestination.BODY);
    }

    @Test
    void serverKilledAndRestartedIsRejoinedByTheAgent() throws Exception {
        assertThat(fetch()).isEqualTo(HttpDestination.BODY);
        tunnel.server().kill();
        tunnel.agent().awaitLog("link to server .* lost", Duration.ofSeconds(10));
        tunnel.restartServer();
        tunnel.awaitReady(true);
        // the server may call itself ready before the agent has logged the link's acknowledgement
        Await.until("the agent to log its second link", Duration.ofSeconds(10),
                () -> tunnel.agent().countLog("connected to server") >= 2);
        assertThat(tunnel.agent().countLog("connected to server")).isEqualTo(2);
        assertThat(fetch()).isEqualTo(HttpDestination.BODY);
    }

    /** A dial is pending (the agent is frozen with SIGSTOP) when the agent dies: the client hears at once. */
    @Test
    void pendingDialFailsAtOnceWhenTheAgentDies() throws Exception {
        tunnel.agent().signal("STOP");
        try (Socket socket = new Socket("127.0.0.1", tunnel.frontendPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("CONNECT 127.0.0.1:" + source.port() + " HTTP/1.1\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            Await.until("the dial to be pending", Duration.ofSeconds(10), () -> tunnel.body(tunnel.healthPort(),
                    "/metrics").matches("(?s).*\ntunnel_server_open_streams 1(\\.0)?\n.*"));
            long killedAt = System.nanoTime();
            tunnel.agent().kill();
            String head = ConnectSocket.readHead(socket.getInputStream());
            assertThat(head).startsWith("HTTP/1.1 503 ");
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt)).isLessThan(1_000);
        }
    }

    /** The agent stays silent (frozen): the server's own dial timeout answers 504, and the link survives. */
    @Test
    void serverDialTimeoutAnswers504WhenTheAgentIsSilent() throws Exception {
        try (TunnelFixture quick = TunnelFixture.builder(pki, tmp.resolve("logs-quick")).plaintextFrontend()
                .serverArgs("--dial-timeout", "2s").start()) {
            quick.agent().signal("STOP");
            long start = System.nanoTime();
            try (Socket socket = new Socket("127.0.0.1", quick.frontendPort())) {
                socket.setSoTimeout(10_000);
                socket.getOutputStream().write(("CONNECT 127.0.0.1:" + source.port() + " HTTP/1.1\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                assertThat(ConnectSocket.readHead(socket.getInputStream())).startsWith("HTTP/1.1 504 ");
            } finally {
                quick.agent().signal("CONT");
            }
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(1_500L, 6_000L);
            quick.server().awaitLog("status=504 end=\"DIAL_TIMEOUT", Duration.ofSeconds(5));
            // The unanswered PING made the link suspect (docs/protocol.md §6.9); the thawed agent answers it.
            Await.until("the link not suspect", Duration.ofSeconds(10),
                    () -> !quick.body(quick.healthPort(), "/agents").contains("\"suspect\" : true"));
            try (Socket socket = ConnectSocket.open(quick.frontendPort(), "127.0.0.1:" + source.port())) {
                socket.getOutputStream().write("10\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(socket.getInputStream().readAllBytes()).hasSize(10);
            }
        }
    }

    private String fetch() {
        Commands.Result r = Commands.run(Duration.ofSeconds(30), List.of("curl", "-sS", "--max-time", "20", "-p",
                "-x", tunnel.proxyUrl(), "http://127.0.0.1:" + http.port() + "/"));
        assertThat(r.exitCode()).as(r.toString()).isZero();
        return r.stdout();
    }
}
