package io.tunnel.it.netns;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunnel.it.Await;
import io.tunnel.it.Commands;
import io.tunnel.it.Jars;
import io.tunnel.it.JavaProcess;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The README's composition on a node: the sidecar keeps {@value SidecarIT#PROXY_IP} (standing in for 10.96.0.2) and
 * its iptables rules in the public namespace, {@code tunnel-client forward} listens on that address's port 443, and
 * a client there reaches a TLS server in the private network by that address, through the tunnel, verifying the
 * server's certificate for that address.
 */
class SidecarForwardIT {
    private static final Duration CMD = Duration.ofSeconds(60);
    private static final int TLS_PORT = 8443;

    static PrivateNetwork network;
    static NetnsTunnel tunnel;
    static NsProcess tlsServer;
    static JavaProcess sidecar;
    static JavaProcess forward;

    @BeforeAll
    static void start() throws Exception {
        Privileged.require("openssl");
        network = PrivateNetwork.start("tunit-sidefwd"); // @AfterAll stops whatever started, also on failure
        Netns net = network.net;
        tunnel = NetnsTunnel.start(net, network.pki, network.logDir.resolve("tunnel"), List.of(), List.of());
        network.pki.issue("master", "server", "apiserver", "--hosts", SidecarIT.PROXY_IP);
        tlsServer = NsProcess.start("tls-server", network.logDir.resolve("tls"), Map.of(), List.of(
                "ip", "netns", "exec", net.privateNs(), "openssl", "s_server",
                "-accept", net.serviceIp() + ":" + TLS_PORT,
                "-cert", network.pki.cert("master", "apiserver").toString(),
                "-key", network.pki.key("master", "apiserver").toString(), "-www", "-quiet"));
        Await.until("the private TLS server", CMD,
                () -> net.tcpConnects(net.privateNs(), net.serviceIp(), TLS_PORT, 1));

        sidecar = JavaProcess.start("sidecar", Jars.AGENT, network.logDir.resolve("sidecar"), Netns.in(net.publicNs()),
                List.of("sidecar", "--ip-address=" + SidecarIT.PROXY_IP, "--setup-iptables", "--cleanup",
                        "--sync-interval=1s"));
        sidecar.awaitLog("added iptables -t filter -A OUTPUT", CMD);
        forward = JavaProcess.start("forward", Jars.CLIENT, network.logDir.resolve("forward"), Netns.in(net.publicNs()),
                List.of("forward", "--listen", SidecarIT.PROXY_IP + ":443",
                        "--target", net.serviceIp() + ":" + TLS_PORT,
                        "--proxy-host", net.serverIp(), "--proxy-port", Integer.toString(NetnsTunnel.FRONTEND_PORT)));
        forward.awaitLog("forwarding " + Pattern.quote(SidecarIT.PROXY_IP + ":443") + " -> ", CMD);
    }

    @AfterAll
    static void stop() {
        try (PrivateNetwork n = network; NetnsTunnel t = tunnel; NsProcess s = tlsServer; JavaProcess c = sidecar;
             JavaProcess f = forward) {
            // closed in reverse order: forward, sidecar (its cleanup), TLS server, tunnel, namespaces
        }
    }

    @Test
    void aClientOnTheNodeReachesTheTlsServerAtTheSidecarsAddress() {
        Netns net = network.net;
        Commands.Result r = Netns.exec(net.publicNs(), CMD, "curl", "-sS", "--max-time", "30",
                "--cacert", network.pki.ca("master").toString(), "https://" + SidecarIT.PROXY_IP + "/");
        assertThat(r.exitCode()).as("curl https://%s/ in %s: %s", SidecarIT.PROXY_IP, net.publicNs(), r).isZero();
        assertThat(r.stdout()).contains("s_server -accept " + net.serviceIp() + ":" + TLS_PORT);
        tunnel.server().awaitLog("target=" + Pattern.quote(net.serviceIp() + ":" + TLS_PORT)
                + " agent=\\S+ stream=\\d+ status=200", CMD);
        forward.awaitLog("client=" + Pattern.quote(SidecarIT.PROXY_IP) + ":\\d+ target="
                + Pattern.quote(net.serviceIp() + ":" + TLS_PORT), CMD);
        Commands.Result rules = Netns.execOk(net.publicNs(), CMD, "iptables", "-t", "raw", "-S");
        assertThat(rules.stdout()).contains(SidecarIT.RULES.get(0).get(1));
    }
}
