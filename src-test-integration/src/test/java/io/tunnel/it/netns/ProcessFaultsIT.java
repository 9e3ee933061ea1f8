package io.tunnel.it.netns;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;

/** Processes die on either side of the router: clients hear of it at once and the tunnel heals by itself. */
@ExtendWith(SharedPrivateNetwork.Extension.class)
class ProcessFaultsIT {
    static PrivateNetwork network;
    NetnsTunnel tunnel;
    NsProcess stream;
    Path logs;

    @BeforeAll
    static void start(SharedPrivateNetwork shared) {
        network = shared.get();
    }

    @BeforeEach
    void startTunnel(TestInfo test) throws Exception {
        logs = network.logDir(test);
        tunnel = NetnsTunnel.start(network.net, network.pki, logs, List.of(), List.of());
    }

    @AfterEach
    void stop() {
        try (NetnsTunnel t = tunnel) {
            if (stream != null) {
                stream.stop();
            }
        }
    }

    @Test
    void agentKilledMidTransferClosesTheClientWithinASecondAndRejoinsAfterRestart() throws Exception {
        stream = network.startStream("stream", logs);
        stream.awaitOutput("receiving", Duration.ofSeconds(10));

        long killedAt = System.nanoTime();
        tunnel.agent().kill();
        long closedAt = stream.awaitExit(Duration.ofSeconds(10));
        assertThat(stream.output()).contains("closed after");
        assertThat(TimeUnit.NANOSECONDS.toMillis(closedAt - killedAt))
                .as("ms from the agent's death to the client's tunnel closing").isLessThan(1_000);
        tunnel.awaitReady(false, Duration.ofSeconds(5));

        tunnel.startAgent();
        tunnel.awaitReady(true);
        assertThat(tunnel.agentReadyz()).isEqualTo(200);
        assertThat(tunnel.fetch(network.pageUrl(network.net.serviceIp()))).isEqualTo(PrivateNetwork.PAGE);
    }

    @Test
    void serverKilledAndRestartedOnTheSamePortsIsRejoinedByTheAgent() throws Exception {
        Netns net = network.net;
        assertThat(tunnel.fetch(network.pageUrl(net.serviceIp()))).isEqualTo(PrivateNetwork.PAGE);
        long links = tunnel.agent().countLog("connected to server");

        tunnel.server().kill();
        tunnel.agent().awaitLog("link to server .* lost", Duration.ofSeconds(10));
        tunnel.startServer();
        tunnel.awaitReady(true);
        tunnel.agent().awaitLog("(?s)link to server .* lost.*connected to server", Duration.ofSeconds(10));
        assertThat(tunnel.agent().countLog("connected to server")).as("links of the same agent process")
                .isEqualTo(links + 1);
        assertThat(tunnel.fetch(network.pageUrl(net.privateName()))).isEqualTo(PrivateNetwork.PAGE);
    }
}
