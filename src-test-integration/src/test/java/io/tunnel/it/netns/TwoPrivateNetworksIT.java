package io.tunnel.it.netns;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunnel.it.AccessLines;
import io.tunnel.it.Commands;
import io.tunnel.it.JavaProcess;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two private networks, each with its own agent and a name that resolves only there, one server in public: each
 * name is reached through its own agent, chosen by the destHost strategy (docs/protocol.md §6.9). agent-1 in the
 * first network claims {@code host=local-server.svc}, agent-2 in the second {@code host=other-server.svc}; sent to
 * the other agent, a name would fail to resolve (502).
 */
@ExtendWith(SharedPrivateNetwork.Extension.class)
class TwoPrivateNetworksIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    /** Requests per name: by chance alone all would reach the right agent once in 2^8. */
    private static final int REQUESTS = 8;

    static PrivateNetwork network;
    static Netns net;
    static NetnsTunnel tunnel;

    @BeforeAll
    static void start(SharedPrivateNetwork shared) throws Exception {
        network = shared.get();
        net = network.net;
        network.addSecondNetwork();
        network.pki.ensureAgent("agent-2");
        tunnel = NetnsTunnel.start(net, network.pki, network.logDir("TwoPrivateNetworksIT"), List.of(),
                List.of("--agent-identifiers", "host=" + net.privateName()));
        tunnel.startAgentIn(net.private2Ns(), "agent-2", List.of("--agent-identifiers", "host=" + net.private2Name()));
        tunnel.server().awaitLog("agent agent-2 connected from", WAIT);
    }

    @AfterAll
    static void stop() {
        if (tunnel != null) {
            tunnel.close();
        }
    }

    @Test
    void eachNameResolvesOnlyInItsOwnNetworkAndTheNetworksCannotReachEachOther() {
        assertThat(resolves(net.privateNs(), net.privateName())).isTrue();
        assertThat(resolves(net.private2Ns(), net.private2Name())).isTrue();
        assertThat(resolves(net.privateNs(), net.private2Name())).isFalse();
        assertThat(resolves(net.private2Ns(), net.privateName())).isFalse();
        assertThat(resolves(net.publicNs(), net.private2Name())).isFalse();
        assertThat(net.tcpConnects(net.privateNs(), net.service2Ip(), PrivateNetwork.HTTP_PORT, 2))
                .as("first private network -> second").isFalse();
        assertThat(net.tcpConnects(net.private2Ns(), net.serviceIp(), PrivateNetwork.HTTP_PORT, 2))
                .as("second private network -> first").isFalse();
    }

    @Test
    void eachNameIsReachedThroughItsOwnAgentByDestHost() {
        JavaProcess server = tunnel.server();
        int mark = server.mark();
        for (int i = 0; i < REQUESTS; i++) {
            assertThat(tunnel.fetch(network.pageUrl(net.privateName()))).isEqualTo(PrivateNetwork.PAGE);
            assertThat(tunnel.fetch(network.pageUrl(net.private2Name()))).isEqualTo(PrivateNetwork.PAGE2);
        }
        List<Map<String, String>> lines = AccessLines.await(server, mark, 2 * REQUESTS, l -> true, WAIT);
        assertThat(lines).allSatisfy(l -> assertThat(l).containsEntry("status", "200")
                .containsEntry("strategy", "destHost"));
        assertThat(lines).filteredOn(l -> l.get("target").startsWith(net.privateName() + ":")).hasSize(REQUESTS)
                .allSatisfy(l -> assertThat(l).containsEntry("agent", "agent-1"));
        assertThat(lines).filteredOn(l -> l.get("target").startsWith(net.private2Name() + ":")).hasSize(REQUESTS)
                .allSatisfy(l -> assertThat(l).containsEntry("agent", "agent-2"));
    }

    private static boolean resolves(String ns, String name) {
        Commands.Result r = Netns.exec(ns, Duration.ofSeconds(20), "getent", "hosts", name);
        return r.exitCode() == 0;
    }
}
