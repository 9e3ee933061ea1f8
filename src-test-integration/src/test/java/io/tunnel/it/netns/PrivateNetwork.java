package io.tunnel.it.netns;

import io.tunnel.it.Await;
import io.tunnel.it.TestDirs;
import io.tunnel.it.TestPki;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.TestInfo;

/**
 * What every netns test class needs (one for all of them in a run, see {@link SharedPrivateNetwork}): the root check,
 * the namespaces, certificates naming the public address, and the private services (dnsmasq with the private-only
 * name, an HTTP page, a TCP echo), all ready. Files and logs go to {@code target/netns-it/<prefix>/} so they outlive
 * a failed run. {@link #close()} stops the services and removes the namespaces, whatever happened before.
 */
final class PrivateNetwork implements AutoCloseable {
    static final String[] TOOLS = {"ip", "iptables", "dnsmasq", "curl", "python3", "bash", "timeout", "getent"};
    static final int HTTP_PORT = 8080;
    static final int ECHO_PORT = 7007;
    static final String PAGE = "hello from the private network\n";
    /** The page of the second private network ({@link #addSecondNetwork()}). */
    static final String PAGE2 = "hello from the second private network\n";
    private static final Duration SERVICE_TIMEOUT = Duration.ofSeconds(20);

    final Netns net;
    final TestPki pki;
    final Path logDir;
    private final List<NsProcess> services = new ArrayList<>();
    private boolean secondNetwork;

    private PrivateNetwork(Netns net, TestPki pki, Path logDir) {
        this.net = net;
        this.pki = pki;
        this.logDir = logDir;
    }

    /** Requires root (skip, or fail under CI), then builds everything for the namespace prefix. */
    static PrivateNetwork start(String prefix) throws IOException {
        Privileged.require(TOOLS);
        Path logDir = TestDirs.fresh(Path.of("target", "netns-it", prefix).toAbsolutePath());
        Netns net = Netns.up(prefix);
        PrivateNetwork network = null;
        try {
            network = new PrivateNetwork(net, NetnsTunnel.pki(logDir.resolve("certs"), net), logDir);
            Path www = Files.createDirectories(logDir.resolve("www"));
            Files.writeString(www.resolve("index.html"), PAGE, StandardCharsets.US_ASCII);
            network.services.addAll(net.startPrivateServices(logDir, www, HTTP_PORT, ECHO_PORT));
            network.awaitServices();
            return network;
        } catch (IOException | RuntimeException | Error e) {
            if (network != null) {
                network.close();
            } else {
                net.close();
            }
            throw e;
        }
    }

    private void awaitServices() {
        String ns = net.privateNs();
        Await.until("the private HTTP service", SERVICE_TIMEOUT,
                () -> net.tcpConnects(ns, net.serviceIp(), HTTP_PORT, 1));
        Await.until("the private echo service", SERVICE_TIMEOUT,
                () -> net.tcpConnects(ns, net.serviceIp(), ECHO_PORT, 1));
        awaitName(ns, net.privateName());
    }

    private void awaitName(String ns, String name) {
        Await.until("dnsmasq to answer " + name + " in " + ns, SERVICE_TIMEOUT,
                () -> Netns.exec(ns, Duration.ofSeconds(10), "getent", "hosts", name).exitCode() == 0);
    }

    /**
     * Adds the second private network, once: its namespace ({@code netns.sh up-second}), its dnsmasq answering
     * {@link Netns#private2Name()} and its HTTP page {@link #PAGE2} on {@link #HTTP_PORT}, all ready. Removed with
     * the rest by {@link #close()}.
     */
    synchronized void addSecondNetwork() throws IOException {
        if (secondNetwork) {
            return;
        }
        net.upSecond();
        Path www = Files.createDirectories(logDir.resolve("www2"));
        Files.writeString(www.resolve("index.html"), PAGE2, StandardCharsets.US_ASCII);
        services.add(net.startScript("dnsmasq2", logDir, "serve-dns2"));
        services.add(net.startScript("http2", logDir, "serve-http", net.private2Ns(), net.service2Ip(),
                Integer.toString(HTTP_PORT), www.toString()));
        Await.until("the second private HTTP service", SERVICE_TIMEOUT,
                () -> net.tcpConnects(net.private2Ns(), net.service2Ip(), HTTP_PORT, 1));
        awaitName(net.private2Ns(), net.private2Name());
        secondNetwork = true;
    }

    /** The private HTTP page's URL with the given host (the private address or the private name). */
    String pageUrl(String host) {
        return "http://" + host + ":" + HTTP_PORT + "/";
    }

    /** The echo service as a CONNECT target with the given host. */
    String echoTarget(String host) {
        return host + ":" + ECHO_PORT;
    }

    /** A log directory of its own for one test class or test (processes append to {@code <name>.log}). */
    Path logDir(String test) {
        return logDir.resolve(test);
    }

    /** A log directory of its own for one test, named after its class and method. */
    Path logDir(TestInfo test) {
        return logDir(test.getTestClass().orElseThrow().getSimpleName() + "-"
                + test.getTestMethod().orElseThrow().getName());
    }

    /** Starts a client in the public namespace streaming through the tunnel to the echo service. */
    NsProcess startStream(String name, Path logDir) throws IOException {
        return net.startScript(name, logDir, "stream-via-proxy", net.publicNs(), net.serverIp(),
                Integer.toString(NetnsTunnel.FRONTEND_PORT), echoTarget(net.serviceIp()));
    }

    @Override
    public void close() {
        try {
            for (int i = services.size() - 1; i >= 0; i--) {
                services.get(i).stop();
            }
        } finally {
            net.close();
        }
    }
}
