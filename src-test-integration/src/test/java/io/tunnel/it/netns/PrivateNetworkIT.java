package io.tunnel.it.netns;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunnel.it.Commands;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The demo's checks as assertions: the public network cannot reach the private one, not even its names, and the
 * tunnel reaches both the private addresses and the private-only name, resolved on the agent's side.
 */
@ExtendWith(SharedPrivateNetwork.Extension.class)
class PrivateNetworkIT {
    static PrivateNetwork network;
    static NetnsTunnel tunnel;

    @BeforeAll
    static void start(SharedPrivateNetwork shared) throws Exception {
        network = shared.get();
        tunnel = NetnsTunnel.start(network.net, network.pki, network.logDir("PrivateNetworkIT"), List.of(),
                List.of());
    }

    @AfterAll
    static void stop() {
        if (tunnel != null) {
            tunnel.close();
        }
    }

    @Test
    void privateNameResolvesInThePrivateNetworkOnly() {
        Netns net = network.net;
        Commands.Result inPrivate = Netns.execOk(net.privateNs(), Duration.ofSeconds(10), "getent", "hosts",
                net.privateName());
        assertThat(inPrivate.stdout()).startsWith(net.serviceIp() + " ");

        Commands.Result inPublic = Netns.exec(net.publicNs(), Duration.ofSeconds(20), "getent", "hosts",
                net.privateName());
        assertThat(inPublic.exitCode()).as("getent hosts %s in %s: %s", net.privateName(), net.publicNs(), inPublic)
                .isNotZero();
    }

    @Test
    void publicNetworkCannotReachThePrivateOneButPrivateReachesTheServer() {
        Netns net = network.net;
        Commands.Result direct = Netns.exec(net.publicNs(), Duration.ofSeconds(20), "curl", "-sS",
                "--connect-timeout", "2", "--max-time", "3", network.pageUrl(net.serviceIp()));
        assertThat(direct.exitCode()).as("curl from public straight to the private page: %s", direct).isNotZero();
        assertThat(net.tcpConnects(net.publicNs(), net.serviceIp(), PrivateNetwork.ECHO_PORT, 2))
                .as("public -> private echo service").isFalse();
        assertThat(net.tcpConnects(net.publicNs(), net.agentIp(), NetnsTunnel.AGENT_HEALTH_PORT, 2))
                .as("public -> the agent's health port").isFalse();

        assertThat(net.tcpConnects(net.privateNs(), net.serverIp(), NetnsTunnel.AGENT_PORT, 5))
                .as("private -> the server's agent port").isTrue();
        assertThat(tunnel.server().output()).as("the agent reaches the server from behind the router's NAT")
                .contains("connected from " + net.routerPublicIp() + ":");
    }

    @Test
    void curlThroughTheTunnelReachesThePrivateAddress() {
        Netns net = network.net;
        int mark = tunnel.server().mark();
        assertThat(tunnel.fetch(network.pageUrl(net.serviceIp()))).isEqualTo(PrivateNetwork.PAGE);
        tunnel.server().awaitLogSince(mark, "target=" + Pattern.quote(net.serviceIp() + ":" + PrivateNetwork.HTTP_PORT)
                + " agent=\\S+ stream=\\d+ status=200 end=\"closed\"", Duration.ofSeconds(10));
    }

    @Test
    void privateOnlyNameWorksThroughTheTunnel() {
        Netns net = network.net;
        int mark = tunnel.server().mark();
        assertThat(tunnel.fetch(network.pageUrl(net.privateName()))).isEqualTo(PrivateNetwork.PAGE);
        tunnel.server().awaitLogSince(mark, "target="
                + Pattern.quote(net.privateName() + ":" + PrivateNetwork.HTTP_PORT)
                + " agent=\\S+ stream=\\d+ status=200 end=\"closed\"", Duration.ofSeconds(10));
    }

    @Test
    void echoThroughTheTunnelByAddressAndByName() {
        Netns net = network.net;
        for (String host : List.of(net.serviceIp(), net.privateName())) {
            String message = "across the namespaces to " + host;
            Commands.Result r = net.script(Duration.ofSeconds(30), "echo-via-proxy", net.publicNs(), net.serverIp(),
                    Integer.toString(NetnsTunnel.FRONTEND_PORT), network.echoTarget(host), message);
            assertThat(r.exitCode()).as("echo via %s: %s", host, r).isZero();
            assertThat(r.stdout().trim()).isEqualTo(message);
        }
    }
}
