package io.tunnel.it;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;

/**
 * A tunnel-server and a tunnel-agent running as processes from the real jars, with certificates from pki-tool.
 * Every port is chosen by the OS (port 0) and read from the processes' start-up lines. A test class that needs only
 * the standard tunnels takes them from {@link SharedTunnels} instead of starting its own.
 */
public final class TunnelFixture implements AutoCloseable {
    public static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final String SERVER_PORTS =
            "frontend (\\d+|off) \\((PLAINTEXT|mTLS|Unix socket only)\\), agent port (\\d+), health port (\\d+)";
    private static final String AGENT_PORTS = "health port (\\d+)";

    private final TestPki pki;
    private final Path logDir;
    private final boolean plaintext;
    private final boolean tcpFrontend;
    private final List<String> extraServerArgs;
    private final List<String> extraAgentArgs;
    private final List<String> serverWrapper;
    private final List<String> agentWrapper;
    private final String agentServerHost;
    private final List<JavaProcess> processes = new ArrayList<>();
    private JavaProcess server;
    private JavaProcess agent;
    private int frontendPort;
    private int agentPort;
    private int healthPort;
    private int agentHealthPort;
    private int serverStarts;
    private int agentStarts;

    private TunnelFixture(Builder b) {
        this.pki = b.pki;
        this.logDir = b.logDir;
        this.plaintext = b.plaintext;
        this.tcpFrontend = b.tcpFrontend;
        this.extraServerArgs = b.serverArgs;
        this.extraAgentArgs = b.agentArgs;
        this.serverWrapper = b.serverWrapper;
        this.agentWrapper = b.agentWrapper;
        this.agentServerHost = b.agentServerHost;
    }

    public static Builder builder(TestPki pki, Path logDir) {
        return new Builder(pki, logDir);
    }

    /** Options of a fixture. */
    public static final class Builder {
        private final TestPki pki;
        private final Path logDir;
        private boolean plaintext;
        private boolean tcpFrontend = true;
        private final List<String> serverArgs = new ArrayList<>();
        private final List<String> agentArgs = new ArrayList<>();
        private List<String> serverWrapper = List.of();
        private List<String> agentWrapper = List.of();
        private String agentServerHost = "localhost";
        private boolean startAgent = true;

        Builder(TestPki pki, Path logDir) {
            this.pki = pki;
            this.logDir = logDir;
        }

        public Builder plaintextFrontend() {
            this.plaintext = true;
            return this;
        }

        /** No TCP frontend: give the server {@code --uds-name} in {@link #serverArgs}; {@link #frontendPort()} is -1. */
        public Builder withoutTcpFrontend() {
            this.tcpFrontend = false;
            return this;
        }

        public Builder serverArgs(String... args) {
            serverArgs.addAll(List.of(args));
            return this;
        }

        public Builder agentArgs(String... args) {
            agentArgs.addAll(List.of(args));
            return this;
        }

        /** Runs the server under a prefix command, e.g. {@code ip netns exec tun-public}. */
        public Builder serverWrapper(String... wrapper) {
            this.serverWrapper = List.of(wrapper);
            return this;
        }

        public Builder agentWrapper(String... wrapper) {
            this.agentWrapper = List.of(wrapper);
            return this;
        }

        /** The host name the agent dials (and checks the server certificate against). */
        public Builder agentServerHost(String host) {
            this.agentServerHost = host;
            return this;
        }

        public Builder withoutAgent() {
            this.startAgent = false;
            return this;
        }

        public TunnelFixture start() throws IOException {
            TunnelFixture fixture = new TunnelFixture(this);
            try {
                fixture.startServer(0, 0, 0);
                if (startAgent) {
                    fixture.startAgent();
                    fixture.awaitReady(true);
                }
            } catch (IOException | RuntimeException | Error e) {
                fixture.close();
                throw e;
            }
            return fixture;
        }
    }

    private void startServer(int frontend, int agentListener, int health) throws IOException {
        List<String> args = new ArrayList<>(List.of(
                "--server-port", Integer.toString(Math.max(frontend, 0)), "--server-bind-address", "127.0.0.1",
                "--agent-port", Integer.toString(agentListener), "--agent-bind-address", "0.0.0.0",
                "--health-port", Integer.toString(health), "--health-bind-address", "0.0.0.0",
                "--cluster-cert", pki.cert("agent", "proxy-master").toString(),
                "--cluster-key", pki.key("agent", "proxy-master").toString(),
                "--cluster-ca-cert", pki.ca("agent").toString()));
        if (tcpFrontend && plaintext) {
            args.add("--allow-plaintext-frontend");
        } else if (tcpFrontend) {
            args.addAll(List.of(
                    "--server-cert", pki.cert("master", "proxy-master").toString(),
                    "--server-key", pki.key("master", "proxy-master").toString(),
                    "--server-ca-cert", pki.ca("master").toString()));
        }
        args.addAll(extraServerArgs);
        server = JavaProcess.start("server-" + (++serverStarts), Jars.SERVER, logDir, serverWrapper, args);
        processes.add(server);
        Matcher m = server.awaitLog(SERVER_PORTS, START_TIMEOUT);
        frontendPort = m.group(1).equals("off") ? -1 : Integer.parseInt(m.group(1));
        agentPort = Integer.parseInt(m.group(3));
        healthPort = Integer.parseInt(m.group(4));
    }

    /**
     * Starts an agent with the fixture's certificate and server address; {@code overrides} are flag/value pairs
     * that replace the defaults (e.g. another {@code --agent-cert}) or add flags. It becomes {@link #agent()}.
     */
    public JavaProcess startAgent(String... overrides) throws IOException {
        agent = launchAgent(overrides);
        agentHealthPort = Integer.parseInt(agent.awaitLog(AGENT_PORTS, START_TIMEOUT).group(1));
        return agent;
    }

    /**
     * Starts one more agent like {@link #startAgent}, but {@link #agent()} stays the fixture's own: for a test on a
     * shared fixture whose agent must not be replaced. Stopped by the caller, or with the fixture.
     */
    public JavaProcess startExtraAgent(String... overrides) throws IOException {
        return launchAgent(overrides);
    }

    private JavaProcess launchAgent(String... overrides) throws IOException {
        Map<String, String> flags = new LinkedHashMap<>();
        flags.put("--proxy-server-host", agentServerHost);
        flags.put("--proxy-server-port", Integer.toString(agentPort));
        flags.put("--health-server-port", "0");
        flags.put("--ca-cert", pki.ca("agent").toString());
        flags.put("--agent-cert", pki.cert("agent", "proxy-agent").toString());
        flags.put("--agent-key", pki.key("agent", "proxy-agent").toString());
        flags.put("--sync-interval", "200ms");
        flags.put("--sync-interval-cap", "1s");
        putPairs(flags, extraAgentArgs);
        putPairs(flags, List.of(overrides));
        List<String> args = new ArrayList<>();
        flags.forEach((flag, value) -> {
            args.add(flag);
            args.add(value);
        });
        JavaProcess started = JavaProcess.start("agent-" + (++agentStarts), Jars.AGENT, logDir, agentWrapper, args);
        processes.add(started);
        started.awaitLog(AGENT_PORTS, START_TIMEOUT);
        return started;
    }

    private static void putPairs(Map<String, String> flags, List<String> pairs) {
        if (pairs.size() % 2 != 0) {
            throw new IllegalArgumentException("agent flags come in flag/value pairs: " + pairs);
        }
        for (int i = 0; i < pairs.size(); i += 2) {
            flags.put(pairs.get(i), pairs.get(i + 1));
        }
    }

    /** Restarts the server on the same ports (after {@link JavaProcess#kill()} or stop). */
    public JavaProcess restartServer() throws IOException {
        if (server.isAlive()) {
            server.stop();
        }
        startServer(frontendPort, agentPort, healthPort);
        return server;
    }

    /** Waits until the server's {@code /readyz} says {@code ready}. */
    public void awaitReady(boolean ready) {
        Await.until("server /readyz " + (ready ? "200" : "503"), START_TIMEOUT,
                () -> status(healthPort, "/readyz") == (ready ? 200 : 503));
    }

    /** Status of a health endpoint, or -1 if it does not answer. */
    public int status(int port, String path) {
        return HealthPages.status(port, path);
    }

    public String body(int port, String path) throws IOException, InterruptedException {
        return HealthPages.body(port, path);
    }

    public TestPki pki() {
        return pki;
    }

    public JavaProcess server() {
        return server;
    }

    public JavaProcess agent() {
        return agent;
    }

    public int frontendPort() {
        return frontendPort;
    }

    public int agentPort() {
        return agentPort;
    }

    public int healthPort() {
        return healthPort;
    }

    public int agentHealthPort() {
        return agentHealthPort;
    }

    /** Every process the fixture started (server and agents, restarted ones too), oldest first. */
    public List<JavaProcess> processes() {
        return List.copyOf(processes);
    }

    /** Fails, with its output, if the server or the agent is no longer running. */
    public void assertRunning() {
        for (JavaProcess process : agent == null ? List.of(server) : List.of(server, agent)) {
            if (!process.isAlive()) {
                throw new AssertionError(process + " is no longer running:\n" + process.output());
            }
        }
    }

    /** The frontend as a proxy URL for curl. */
    public String proxyUrl() {
        return (plaintext ? "http" : "https") + "://localhost:" + frontendPort;
    }

    @Override
    public void close() {
        AssertionError failure = null;
        for (int i = processes.size() - 1; i >= 0; i--) {
            JavaProcess p = processes.get(i);
            try {
                p.close();
            } catch (AssertionError e) {
                failure = e;
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
