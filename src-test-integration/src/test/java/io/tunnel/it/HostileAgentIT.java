package io.tunnel.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunnel.core.protocol.CloseFrame;
import io.tunnel.core.protocol.DialFrame;
import io.tunnel.core.protocol.DialResultFrame;
import io.tunnel.core.protocol.GoAwayFrame;
import io.tunnel.core.protocol.PingFrame;
import io.tunnel.core.protocol.ResetFrame;
import io.tunnel.core.protocol.TunnelErrorCode;
import io.tunnel.core.protocol.WindowUpdateFrame;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * A peer with a valid agent certificate floods the server's agent port ({@link HostilePeer}): the server drops that
 * link (GOAWAY ENHANCE_YOUR_CALM, or a close when the peer reads nothing), keeps its memory bounded, and keeps
 * serving a real client through the real agent during and after. The real client names the real agent
 * ({@code Tunnel-Agent}), so none of its streams lands on the hostile link. (A GOAWAY(NO_ERROR) from the hostile peer
 * would not park its link: an idle link both sides said GOAWAY on closes at once, docs/protocol.md §6.7.)
 */
@ExtendWith(SharedTunnels.Extension.class)
class HostileAgentIT {
    /** The server runs with -Xmx512m: a bound on its resident memory well under heap plus 200 MiB. */
    private static final long RSS_BOUND_MIB = 512 + 200;
    private static final Duration DROPPED = Duration.ofSeconds(60);
    private static final String HOSTILE = "hostile";

    /** The fixture's agent (pki-tool's proxy-agent certificate). */
    private static final String REAL_AGENT = "agent-1";
    @TempDir(cleanup = CleanupMode.ON_SUCCESS) // a failed run keeps the processes' logs
    static Path tmp;
    static TestPki pki;
    static TunnelFixture tunnel;
    static HttpDestination http;
    static HostilePeer peers;

    @BeforeAll
    static void start(SharedTunnels shared) throws Exception {
        Jars.requireBuilt();
        pki = shared.pki();
        pki.issue("agent", "agent", HOSTILE);
        tunnel = TunnelFixture.builder(pki, tmp.resolve("logs")).plaintextFrontend().start();
        http = HttpDestination.http();
        peers = new HostilePeer();
    }

    @AfterAll
    static void stop() {
        try (TunnelFixture t = tunnel; HttpDestination h = http; HostilePeer p = peers) {
            // closed in reverse order; the server is checked for leaks on close
        }
    }

    @Test
    void aPingFloodThatReadsNothingLosesItsLink() throws Exception {
        HostilePeer.Link hostile = peers.agent(pki, HOSTILE, tunnel.agentPort(), false);
        CompletableFuture<Long> flood = hostile.flood(PingFrame::new);
        assertServes();

        assertDropped(hostile, TunnelErrorCode.ENHANCE_YOUR_CALM, "PING flood");
        assertThat(flood.get(DROPPED.toSeconds(), TimeUnit.SECONDS)).as("PINGs written before the link closed")
                .isPositive();
        assertServesWithBoundedMemory();
    }

    @Test
    void aPingFloodThatReadsThePongsLosesItsLink() throws Exception {
        HostilePeer.Link hostile = peers.agent(pki, HOSTILE, tunnel.agentPort(), true);
        hostile.flood(PingFrame::new);
        assertServes();

        assertDropped(hostile, TunnelErrorCode.ENHANCE_YOUR_CALM, "PING flood");
        assertServesWithBoundedMemory();
    }

    /**
     * Frames for a stream that already ended (RESET, CLOSE, WINDOW_UPDATE) change nothing and elicit nothing, so a
     * server that ignores them one by one would spend a loop on them forever. The hostile agent first carries one
     * stream, while the real agent is away, so that it has a stream that ended.
     */
    @Test
    void aStormOfResetsAndEmptyFramesForAnEndedStreamLosesItsLink() throws Exception {
        tunnel.agent().kill();
        tunnel.awaitReady(false);
        HostilePeer.Link hostile = peers.agent(pki, HOSTILE, tunnel.agentPort(), true);
        try (Socket client = new Socket("127.0.0.1", tunnel.frontendPort())) {
            client.setSoTimeout(20_000);
            client.getOutputStream().write(("CONNECT 127.0.0.1:" + http.port() + " HTTP/1.1\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            DialFrame dial = hostile.next(DialFrame.class, DROPPED);
            hostile.send(DialResultFrame.failure(dial.streamId(), TunnelErrorCode.CONNECTION_REFUSED, "no"));
            assertThat(ConnectSocket.readHead(client.getInputStream())).startsWith("HTTP/1.1 502 ");
        }
        JavaProcess agent = tunnel.startAgent();
        agent.awaitLog("connected to server", DROPPED);

        int ended = 1;
        hostile.flood(i -> switch (i % 3) {
            case 0 -> new ResetFrame(ended, TunnelErrorCode.CANCEL);
            case 1 -> new CloseFrame(ended);
            default -> new WindowUpdateFrame(ended, 1);
        });
        assertServes();

        assertDropped(hostile, TunnelErrorCode.ENHANCE_YOUR_CALM, "(STRAY_FRAME|WINDOW_UPDATE) flood");
        assertServesWithBoundedMemory();
    }

    /** Only servers open streams: an agent's first DIAL ends its link. */
    @Test
    void aDialStormFromAnAgentEndsItsLinkAtTheFirstDial() throws Exception {
        HostilePeer.Link hostile = peers.agent(pki, HOSTILE, tunnel.agentPort(), true);
        hostile.flood(i -> new DialFrame(i + 1, "127.0.0.1", http.port(), 1_000));

        assertDropped(hostile, TunnelErrorCode.PROTOCOL_ERROR, "DIAL sent to a server");
        assertServesWithBoundedMemory();
    }

    /**
     * The server closed the hostile link for {@code code} and a reason matching {@code reason}, as its log says of
     * that link; the GOAWAY itself reaches a flooding peer only when its own writes do not fail first.
     */
    private static void assertDropped(HostilePeer.Link hostile, TunnelErrorCode code, String reason) throws Exception {
        hostile.closed().get(DROPPED.toSeconds(), TimeUnit.SECONDS);
        JavaProcess server = tunnel.server();
        String link = server.awaitLog("agent " + HOSTILE + " connected from 127\\.0\\.0\\.1:" + hostile.localPort()
                + " \\((\\w+)\\)", DROPPED).group(1);
        server.awaitLog("link\\[" + HOSTILE + " " + link + "\\]: protocol error, closing the link: " + code + ": "
                + reason, DROPPED);
        GoAwayFrame goAway = hostile.goAway().getNow(null);
        if (goAway != null) {
            assertThat(goAway.code()).isEqualTo(code);
        }
    }

    private static void assertServesWithBoundedMemory() throws Exception {
        assertServes();
        assertThat(tunnel.status(tunnel.healthPort(), "/metrics")).isEqualTo(200);
        assertThat(Rss.mebibytes(tunnel.server().pid())).as("server RSS in MiB").isLessThan(RSS_BOUND_MIB);
        assertThat(tunnel.server().isAlive()).isTrue();
    }

    /** A real client's CONNECT goes through the real agent. */
    private static void assertServes() {
        Commands.Result r = Commands.run(Duration.ofSeconds(30), List.of("curl", "-sS", "--max-time", "20", "-p",
                "--proxy-header", "Tunnel-Agent: " + REAL_AGENT, "-x", tunnel.proxyUrl(),
                "http://127.0.0.1:" + http.port() + "/"));
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).isEqualTo(HttpDestination.BODY);
    }
}
