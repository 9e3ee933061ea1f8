package io.tunnel.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;

/**
 * Several tunnel-servers and tunnel-agents as processes from the real jars, behind one {@link Haproxy} that stands in
 * for the Kubernetes Service: every agent dials the one haproxy address (and so links to each server through it),
 * clients use haproxy's client port as their proxy. Servers run with {@code --server-count N} and their own random
 * ids, a plaintext frontend and OS-chosen ports (kept across restarts, which haproxy's config names); agent 1 presents
 * pki-tool's {@code proxy-agent} certificate (agent id {@code agent-1}), agent i ≥ 2 a certificate {@code agent-i}
 * issued on first use. Per-agent flags ({@link Builder#agentArgs(int, String...)}) carry what a test needs, e.g.
 * {@code --agent-identifiers}.
 */
public final class FleetFixture implements AutoCloseable {
    private static final Duration START_TIMEOUT = TunnelFixture.START_TIMEOUT;
    private static final Duration LINK_TIMEOUT = Duration.ofSeconds(60);
    private static final String SERVER_STARTED = "frontend (\\d+) \\(PLAINTEXT\\), agent port (\\d+), health port (\\d+);"
            + ".* server id (\\S+), one of (\\d+)";
    private static final String AGENT_STARTED = "health port (\\d+)";
    /**
     * After SIGTERM, a server keeps serving new connections this long while its {@code /readyz} says 503: haproxy
     * checks every {@value Haproxy#CHECK_MILLIS} ms and takes a server out after one failed check, so it sends none
     * by the time the listener closes (a connection still in the kernel's accept queue then would be reset).
     */
    static final String SHUTDOWN_DELAY = "1s";

    private final TestPki pki;
    private final Path logDir;
    private final List<String> serverArgs;
    private final List<String> agentArgs;
    private final Map<Integer, List<String>> agentArgsByIndex;
    private final List<Server> servers = new ArrayList<>();
    private final List<Agent> agents = new ArrayList<>();
    private final List<JavaProcess> processes = new ArrayList<>();
    private final ObjectMapper json = new ObjectMapper();
    private Haproxy haproxy;

    /** One server: its ports stay across restarts, its process and id change. */
    public static final class Server {
        private final int index;
        private int frontendPort;
        private int agentPort;
        private int healthPort;
        private int starts;
        private JavaProcess process;
        private String id;

        Server(int index) {
            this.index = index;
        }

        public int index() {
            return index;
        }

        public JavaProcess process() {
            return process;
        }

        /** The id of the running process (a random UUID per start). */
        public String id() {
            return id;
        }

        public int frontendPort() {
            return frontendPort;
        }

        public int healthPort() {
            return healthPort;
        }
    }

    /** One agent: its certificate stays across restarts, its process and health port change. */
    public static final class Agent {
        private final int index;
        private final String certName;
        private int starts;
        private JavaProcess process;
        private int healthPort;

        Agent(int index, String certName) {
            this.index = index;
            this.certName = certName;
        }

        public int index() {
            return index;
        }

        /** The agent id its certificate names. */
        public String id() {
            return "agent-" + index;
        }

        public JavaProcess process() {
            return process;
        }

        public int healthPort() {
            return healthPort;
        }
    }

    private FleetFixture(Builder b) {
        this.pki = b.pki;
        this.logDir = b.logDir;
        this.serverArgs = List.copyOf(b.serverArgs);
        this.agentArgs = List.copyOf(b.agentArgs);
        this.agentArgsByIndex = Map.copyOf(b.agentArgsByIndex);
    }

    public static Builder builder(TestPki pki, Path logDir) {
        return new Builder(pki, logDir);
    }

    /** Options of a fleet. */
    public static final class Builder {
        private final TestPki pki;
        private final Path logDir;
        private int servers = 2;
        private int agents = 2;
        private final List<String> serverArgs = new ArrayList<>();
        private final List<String> agentArgs = new ArrayList<>();
        private final Map<Integer, List<String>> agentArgsByIndex = new HashMap<>();

        Builder(TestPki pki, Path logDir) {
            this.pki = pki;
            this.logDir = logDir;
        }

        public Builder servers(int count) {
            this.servers = count;
            return this;
        }

        public Builder agents(int count) {
            this.agents = count;
            return this;
        }

        /** Flags for every server. */
        public Builder serverArgs(String... args) {
            serverArgs.addAll(List.of(args));
            return this;
        }

        /** Flags for every agent. */
        public Builder agentArgs(String... args) {
            agentArgs.addAll(List.of(args));
            return this;
        }

        /** Flags for agent {@code index} (1-based) only, after those of every agent. */
        public Builder agentArgs(int index, String... args) {
            agentArgsByIndex.computeIfAbsent(index, i -> new ArrayList<>()).addAll(List.of(args));
            return this;
        }

        /** Starts the servers, haproxy and the agents, and waits until every agent is linked to every server. */
        public FleetFixture start() throws IOException {
            FleetFixture fleet = new FleetFixture(this);
            try {
                for (int i = 1; i <= servers; i++) {
                    fleet.servers.add(new Server(i));
                }
                for (int i = 1; i <= servers; i++) {
                    fleet.startServer(i);
                }
                fleet.haproxy = Haproxy.start(logDir, fleet.servers.stream()
                        .map(s -> new Haproxy.Backend(s.agentPort, s.frontendPort, s.healthPort)).toList());
                for (int i = 1; i <= agents; i++) {
                    fleet.agents.add(new Agent(i, fleet.agentCertificate(i)));
                    fleet.startAgent(i);
                }
                fleet.awaitLinked();
            } catch (IOException | RuntimeException | Error e) {
                fleet.close();
                throw e;
            }
            return fleet;
        }
    }

    /** Agent 1 has pki-tool init's certificate; agent i another one, issued once per PKI. */
    private String agentCertificate(int index) {
        if (index == 1) {
            return "proxy-agent";
        }
        String name = "agent-" + index;
        if (!Files.exists(pki.cert("agent", name))) {
            pki.issue("agent", "agent", name);
        }
        return name;
    }

    public Server server(int index) {
        return servers.get(index - 1);
    }

    public Agent agent(int index) {
        return agents.get(index - 1);
    }

    public List<Server> servers() {
        return List.copyOf(servers);
    }

    public List<Agent> agents() {
        return List.copyOf(agents);
    }

    public Haproxy haproxy() {
        return haproxy;
    }

    /** Clients' proxy port: haproxy's, in front of every server's plaintext CONNECT frontend. */
    public int clientPort() {
        return haproxy.clientPort();
    }

    /** Starts server {@code index} (again), on its ports if it ran before; waits for its start-up line. */
    public Server startServer(int index) throws IOException {
        Server s = server(index);
        List<String> args = new ArrayList<>(List.of(
                "--server-port", Integer.toString(s.frontendPort), "--server-bind-address", "127.0.0.1",
                "--agent-port", Integer.toString(s.agentPort), "--agent-bind-address", "127.0.0.1",
                "--health-port", Integer.toString(s.healthPort), "--health-bind-address", "127.0.0.1",
                "--allow-plaintext-frontend", "--server-count", Integer.toString(servers.size()),
                "--shutdown-delay-duration", SHUTDOWN_DELAY,
                "--cluster-cert", pki.cert("agent", "proxy-master").toString(),
                "--cluster-key", pki.key("agent", "proxy-master").toString(),
                "--cluster-ca-cert", pki.ca("agent").toString()));
        args.addAll(serverArgs);
        s.process = JavaProcess.start("server-" + index + "." + (++s.starts), Jars.SERVER, logDir, args);
        processes.add(s.process);
        Matcher m = s.process.awaitLog(SERVER_STARTED, START_TIMEOUT);
        s.frontendPort = Integer.parseInt(m.group(1));
        s.agentPort = Integer.parseInt(m.group(2));
        s.healthPort = Integer.parseInt(m.group(3));
        s.id = m.group(4);
        return s;
    }

    /** Starts agent {@code index} (again), dialling haproxy's agent port; waits for its start-up line. */
    public Agent startAgent(int index) throws IOException {
        Agent a = agent(index);
        List<String> args = new ArrayList<>(List.of(
                "--proxy-server-host", "127.0.0.1", "--proxy-server-port", Integer.toString(haproxy.agentPort()),
                "--health-server-port", "0", "--health-server-bind-address", "127.0.0.1",
                "--ca-cert", pki.ca("agent").toString(),
                "--agent-cert", pki.cert("agent", a.certName).toString(),
                "--agent-key", pki.key("agent", a.certName).toString(),
                "--sync-interval", "200ms", "--sync-interval-cap", "1s"));
        args.addAll(agentArgs);
        args.addAll(agentArgsByIndex.getOrDefault(index, List.of()));
        a.process = JavaProcess.start("agent-" + index + "." + (++a.starts), Jars.AGENT, logDir, args);
        processes.add(a.process);
        a.healthPort = Integer.parseInt(a.process.awaitLog(AGENT_STARTED, START_TIMEOUT).group(1));
        return a;
    }

    /** SIGTERM to server {@code index}: it drains; returns its exit code. */
    public int stopServer(int index) {
        return server(index).process.stop();
    }

    /** SIGKILL to server {@code index}: no drain. */
    public void killServer(int index) {
        server(index).process.kill();
    }

    /** SIGTERM to agent {@code index}: it drains; returns its exit code. */
    public int stopAgent(int index) {
        return agent(index).process.stop();
    }

    /**
     * Waits until each running agent holds one active link to each running server (by the servers' current ids),
     * each running server is ready and haproxy sends clients to it.
     */
    public void awaitLinked() {
        for (Agent a : agents) {
            if (a.process.isAlive()) {
                Await.until(a.id() + " linked to every server", LINK_TIMEOUT,
                        () -> activeServerIds(a).equals(runningServerIds()));
            }
        }
        for (Server s : servers) {
            if (s.process.isAlive()) {
                Await.until("server " + s.index + " /readyz 200", LINK_TIMEOUT,
                        () -> status(s.healthPort, "/readyz") == 200);
                haproxy.awaitClientBackend(s.index, true, LINK_TIMEOUT);
            }
        }
    }

    private Set<String> runningServerIds() {
        Set<String> ids = new TreeSet<>();
        for (Server s : servers) {
            if (s.process.isAlive()) {
                ids.add(s.id);
            }
        }
        return ids;
    }

    /** The server ids of the agent's links that take new streams, from its {@code /links} page. */
    public Set<String> activeServerIds(Agent agent) throws IOException, InterruptedException {
        Set<String> ids = new TreeSet<>();
        for (JsonNode link : links(agent).path("links")) {
            if (link.path("state").asText().equals("active")) {
                ids.add(link.path("server_id").asText());
            }
        }
        return ids;
    }

    /** The agent's {@code /links} page. */
    public JsonNode links(Agent agent) throws IOException, InterruptedException {
        return json.readTree(body(agent.healthPort, "/links"));
    }

    /** Status of a health endpoint, or -1 if it does not answer. */
    public int status(int port, String path) {
        return HealthPages.status(port, path);
    }

    public String body(int port, String path) throws IOException, InterruptedException {
        return HealthPages.body(port, path);
    }

    /** Every process the fleet started (restarted ones too), oldest first. */
    public List<JavaProcess> processes() {
        return List.copyOf(processes);
    }

    /** Stops the agents, the servers and haproxy; fails if a process reported a leak. */
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
        if (haproxy != null) {
            haproxy.close();
        }
        if (failure != null) {
            throw failure;
        }
    }
}
