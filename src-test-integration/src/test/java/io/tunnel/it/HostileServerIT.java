package io.tunnel.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunnel.core.protocol.DialFrame;
import io.tunnel.core.protocol.GoAwayFrame;
import io.tunnel.core.protocol.PingFrame;
import io.tunnel.core.protocol.ResetFrame;
import io.tunnel.core.protocol.TunnelErrorCode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent against a server that floods it ({@link HostilePeer} with the server certificate, to which the real agent
 * connects): DIALs reset at once (rapid reset) and PINGs. The agent drops the link with GOAWAY(ENHANCE_YOUR_CALM),
 * keeps its memory bounded, and connects again.
 */
@ExtendWith(SharedTunnels.Extension.class)
class HostileServerIT {
    /** The agent runs with -Xmx512m: a bound on its resident memory well under heap plus 200 MiB. */
    private static final long RSS_BOUND_MIB = 512 + 200;
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir(cleanup = CleanupMode.ON_SUCCESS) // a failed run keeps the processes' logs
    static Path tmp;
    static TunnelFixture tunnel;
    static TcpDestination echo;
    static HostilePeer peers;
    static HostilePeer.Server server;

    @BeforeAll
    static void start(SharedTunnels shared) throws Exception {
        Jars.requireBuilt();
        TestPki pki = shared.pki();
        tunnel = TunnelFixture.builder(pki, tmp.resolve("logs")).plaintextFrontend().withoutAgent().start();
        echo = TcpDestination.start(TcpDestination.Mode.ECHO);
        peers = new HostilePeer();
        server = peers.server(pki);
        tunnel.startAgent("--proxy-server-port", Integer.toString(server.port()));
    }

    @AfterAll
    static void stop() throws Exception {
        try (TunnelFixture t = tunnel; TcpDestination e = echo; HostilePeer p = peers) {
            // closed in reverse order; the agent is checked for leaks on close
        }
    }

    @Test
    void dialsResetAsSoonAsSentCostTheServerItsLink() throws Exception {
        HostilePeer.Link hostile = server.nextLink(WAIT);
        long links = tunnel.agent().countLog("connected to server");
        hostile.flood(i -> i % 2 == 0 ? new DialFrame(i / 2 + 1, "127.0.0.1", echo.port(), 5_000)
                : new ResetFrame(i / 2 + 1, TunnelErrorCode.CANCEL));

        assertCalmedDown(hostile, "DIAL_CANCEL flood");
        assertAgentRecovers(links);
    }

    @Test
    void aPingFloodCostsTheServerItsLink() throws Exception {
        HostilePeer.Link hostile = server.nextLink(WAIT);
        long links = tunnel.agent().countLog("connected to server");
        hostile.flood(PingFrame::new);

        assertCalmedDown(hostile, "PING flood");
        assertAgentRecovers(links);
    }

    /**
     * The agent closed the link for flooding, as its log says; the GOAWAY itself reaches the flooding peer only when
     * its own writes do not fail first (see {@link HostilePeer.Link#goAway}).
     */
    private static void assertCalmedDown(HostilePeer.Link hostile, String reason) throws Exception {
        hostile.closed().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        tunnel.agent().awaitLog("protocol error, closing the link: ENHANCE_YOUR_CALM: " + reason, WAIT);
        GoAwayFrame goAway = hostile.goAway().getNow(null);
        if (goAway != null) {
            assertThat(goAway.code()).isEqualTo(TunnelErrorCode.ENHANCE_YOUR_CALM);
        }
    }

    /** The agent lives on with bounded memory, answers its health port, and links again (the next test's link). */
    private static void assertAgentRecovers(long linksBefore) throws Exception {
        assertThat(tunnel.agent().isAlive()).isTrue();
        assertThat(tunnel.status(tunnel.agentHealthPort(), "/metrics")).isEqualTo(200);
        assertThat(Rss.mebibytes(tunnel.agent().pid())).as("agent RSS in MiB").isLessThan(RSS_BOUND_MIB);
        Await.until("the agent to link again", WAIT,
                () -> tunnel.agent().countLog("connected to server") > linksBefore);
    }
}
