package io.tunnel.it.netns;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunnel.it.Await;
import io.tunnel.it.Commands;
import io.tunnel.it.Jars;
import io.tunnel.it.JavaProcess;
import io.tunnel.it.TestPki;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The tunnel across the namespaces: tunnel-server in the public namespace with its frontend and agent port bound to
 * the public address, tunnel-agent in the private namespace dialling that address. Each namespace is new, so the
 * products' default ports are free and stay the same across restarts. Health endpoints and clients are reached
 * with {@code ip netns exec <public> curl}, since the test JVM runs in the root namespace.
 *
 * <p>{@link io.tunnel.it.TunnelFixture} is not used because it binds the frontend to 127.0.0.1 (JCommander refuses a
 * second {@code --server-bind-address}) and probes {@code /readyz} on 127.0.0.1 from the root namespace.
 */
final class NetnsTunnel implements AutoCloseable {
    static final int FRONTEND_PORT = 8090;
    static final int AGENT_PORT = 8091;
    static final int HEALTH_PORT = 8092;
    static final int AGENT_HEALTH_PORT = 8093;
    static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final String SERVER_STARTED = "frontend " + FRONTEND_PORT + " \\(PLAINTEXT\\), agent port "
            + AGENT_PORT + ", health port " + HEALTH_PORT;
    private static final String AGENT_STARTED = "health port " + AGENT_HEALTH_PORT;

    private final Netns net;
    private final TestPki pki;
    private final Path logDir;
    private final List<String> serverExtra;
    private final List<String> agentExtra;
    private final List<JavaProcess> processes = new ArrayList<>();
    private JavaProcess server;
    private JavaProcess agent;
    private int serverStarts;
    private int agentStarts;

    private NetnsTunnel(Netns net, TestPki pki, Path logDir, List<String> serverExtra, List<String> agentExtra) {
        this.net = net;
        this.pki = pki;
        this.logDir = logDir;
        this.serverExtra = serverExtra;
        this.agentExtra = agentExtra;
    }

    /** Certificates whose server certificate names the public address the agent dials. */
    static TestPki pki(Path dir, Netns net) {
        requireJars();
        return TestPki.init(dir, "localhost,127.0.0.1," + net.serverIp());
    }

    /** Starts server and agent (with extra flags each) and waits until the server reports the agent ready. */
    static NetnsTunnel start(Netns net, TestPki pki, Path logDir, List<String> serverExtra, List<String> agentExtra)
            throws IOException {
        NetnsTunnel tunnel = new NetnsTunnel(net, pki, logDir, serverExtra, agentExtra);
        try {
            tunnel.startServer();
            tunnel.startAgent();
            tunnel.awaitReady(true);
        } catch (IOException | RuntimeException | Error e) {
            tunnel.close();
            throw e;
        }
        return tunnel;
    }

    private static void requireJars() {
        for (Path jar : List.of(Jars.SERVER, Jars.AGENT, Jars.PKI)) {
            assertThat(Files.isRegularFile(jar)).as("%s is missing: run mvn package first", jar).isTrue();
        }
    }

    /** Starts the server (again, after a kill: same ports) in the public namespace. */
    JavaProcess startServer() throws IOException {
        List<String> args = new ArrayList<>(List.of(
                "--server-port", Integer.toString(FRONTEND_PORT), "--server-bind-address", net.serverIp(),
                "--allow-plaintext-frontend",
                "--agent-port", Integer.toString(AGENT_PORT), "--agent-bind-address", net.serverIp(),
                "--health-port", Integer.toString(HEALTH_PORT), "--health-bind-address", "0.0.0.0",
                "--cluster-cert", pki.cert("agent", "proxy-master").toString(),
                "--cluster-key", pki.key("agent", "proxy-master").toString(),
                "--cluster-ca-cert", pki.ca("agent").toString()));
        args.addAll(serverExtra);
        server = JavaProcess.start("server-" + (++serverStarts), Jars.SERVER, logDir, Netns.in(net.publicNs()), args);
        processes.add(server);
        server.awaitLog(SERVER_STARTED, START_TIMEOUT);
        return server;
    }

    /** Starts an agent in the private namespace, dialling the server's public address. */
    JavaProcess startAgent() throws IOException {
        agent = startAgentIn(net.privateNs(), "proxy-agent", agentExtra);
        return agent;
    }

    /**
     * Starts one more agent in namespace {@code ns} (the second private network's, say) with the agent certificate
     * {@code certName} and flags {@code extra}; {@link #agent()} stays the first. Stopped with the tunnel.
     */
    JavaProcess startAgentIn(String ns, String certName, List<String> extra) throws IOException {
        List<String> args = new ArrayList<>(List.of(
                "--proxy-server-host", net.serverIp(), "--proxy-server-port", Integer.toString(AGENT_PORT),
                "--health-server-port", Integer.toString(AGENT_HEALTH_PORT),
                "--ca-cert", pki.ca("agent").toString(),
                "--agent-cert", pki.cert("agent", certName).toString(),
                "--agent-key", pki.key("agent", certName).toString(),
                "--sync-interval", "200ms", "--sync-interval-cap", "1s"));
        args.addAll(extra);
        JavaProcess started = JavaProcess.start("agent-" + (++agentStarts), Jars.AGENT, logDir, Netns.in(ns), args);
        processes.add(started);
        started.awaitLog(AGENT_STARTED, START_TIMEOUT);
        return started;
    }

    JavaProcess server() {
        return server;
    }

    JavaProcess agent() {
        return agent;
    }

    /** The server's {@code /readyz} status, asked from the public namespace; -1 if it does not answer. */
    int serverReadyz() {
        return status(net.publicNs(), "http://" + net.serverIp() + ":" + HEALTH_PORT + "/readyz");
    }

    /** The agent's {@code /readyz} status, asked from the private namespace; -1 if it does not answer. */
    int agentReadyz() {
        return status(net.privateNs(), "http://" + net.agentIp() + ":" + AGENT_HEALTH_PORT + "/readyz");
    }

    private static int status(String ns, String url) {
        Commands.Result r = Netns.exec(ns, Duration.ofSeconds(10), "curl", "-s", "-o", "/dev/null",
                "-w", "%{http_code}", "--max-time", "2", url);
        String code = r.stdout().trim();
        return r.exitCode() == 0 && code.matches("\\d{3}") ? Integer.parseInt(code) : -1;
    }

    /** Waits until the server's {@code /readyz} is 200 ({@code ready}) or 503. */
    void awaitReady(boolean ready) {
        awaitReady(ready, START_TIMEOUT);
    }

    void awaitReady(boolean ready, Duration timeout) {
        int expected = ready ? 200 : 503;
        Await.until("server /readyz " + expected, timeout, () -> serverReadyz() == expected);
    }

    /** The frontend as a curl proxy URL, valid inside the public namespace. */
    String proxyUrl() {
        return "http://" + net.serverIp() + ":" + FRONTEND_PORT;
    }

    /** {@code curl -p -x <frontend> url} from the public namespace. */
    Commands.Result curl(String url) {
        return Netns.exec(net.publicNs(), Duration.ofSeconds(30), "curl", "-sS", "--max-time", "20", "-p",
                "-x", proxyUrl(), url);
    }

    /** Fetches url through the tunnel and returns the body; fails unless curl succeeds. */
    String fetch(String url) {
        Commands.Result r = curl(url);
        assertThat(r.exitCode()).as("curl -p -x %s %s from %s: %s", proxyUrl(), url, net.publicNs(), r).isZero();
        return r.stdout();
    }

    /**
     * Waits until a request through the tunnel succeeds. With a keep-alive shorter than a cold TLS handshake the
     * first link can be refused (the server's PING overtakes its HELLO answer); the agent then reconnects by itself.
     */
    void awaitWorking(String url) {
        Await.until("a request through the tunnel to " + url, START_TIMEOUT, () -> curl(url).exitCode() == 0);
    }

    /** Stops every process started, newest first; fails if one reported a Netty leak. */
    @Override
    public void close() {
        AssertionError failure = null;
        for (int i = processes.size() - 1; i >= 0; i--) {
            try {
                processes.get(i).close();
            } catch (AssertionError e) {
                failure = e;
            }
        }
        processes.clear();
        if (failure != null) {
            throw failure;
        }
    }
}
