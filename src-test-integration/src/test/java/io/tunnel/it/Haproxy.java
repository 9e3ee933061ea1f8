package io.tunnel.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * haproxy standing in for the Kubernetes Service in front of several tunnel servers, as a child process
 * ({@code haproxy -db -f <generated config>}) on 127.0.0.1:
 * <pre>
 *   agents  :{@link #agentPort()}  --round robin-->  each server's agent port   (checked: GET /healthz)
 *   clients :{@link #clientPort()} --round robin-->  each server's CONNECT port (checked: GET /readyz)
 *   stats   :{@link #statsPort()}  /stats;csv
 * </pre>
 * Health checks run every {@link #CHECK_MILLIS} ms on each server's health port; a server is out after one failed
 * check. A connection a server refuses (stopped, draining) is retried on another ({@code option redispatch}). The
 * agents' backend checks {@code /healthz}, not {@code /readyz}: a server is ready only once an agent is linked.
 */
public final class Haproxy implements AutoCloseable {
    public static final long CHECK_MILLIS = 200;
    static final String AGENT_BACKEND = "agent_servers";
    static final String CLIENT_BACKEND = "connect_servers";

    private final Process process;
    private final Path log;
    private final int agentPort;
    private final int clientPort;
    private final int statsPort;
    private final HttpClient http = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY)
            .connectTimeout(Duration.ofSeconds(2)).build();

    /** The ports of one server behind haproxy. */
    public record Backend(int agentPort, int frontendPort, int healthPort) {
    }

    private Haproxy(Process process, Path log, int agentPort, int clientPort, int statsPort) {
        this.process = process;
        this.log = log;
        this.agentPort = agentPort;
        this.clientPort = clientPort;
        this.statsPort = statsPort;
    }

    /** Writes the config for {@code servers} (named s1, s2, … in order) into {@code dir} and starts haproxy. */
    public static Haproxy start(Path dir, List<Backend> servers) throws IOException {
        int agentPort = freePort();
        int clientPort = freePort();
        int statsPort = freePort();
        Files.createDirectories(dir);
        Path config = dir.resolve("haproxy.cfg");
        Files.writeString(config, config(servers, agentPort, clientPort, statsPort), StandardCharsets.US_ASCII);
        Commands.Result check = Commands.run(Duration.ofSeconds(10), List.of("haproxy", "-c", "-f",
                config.toString()));
        assertThat(check.exitCode()).as("haproxy -c (install the Debian package haproxy): %s", check).isZero();
        Path log = dir.resolve("haproxy.log");
        Process process = new ProcessBuilder("haproxy", "-db", "-f", config.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        Haproxy haproxy = new Haproxy(process, log, agentPort, clientPort, statsPort);
        Await.until("haproxy's stats page", Duration.ofSeconds(10), () -> {
            if (!process.isAlive()) {
                throw new AssertionError("haproxy exited:\n" + haproxy.output());
            }
            return !haproxy.serverStates(CLIENT_BACKEND).isEmpty();
        });
        return haproxy;
    }

    static String config(List<Backend> servers, int agentPort, int clientPort, int statsPort) {
        StringBuilder sb = new StringBuilder("""
                global
                    maxconn 4096
                defaults
                    mode tcp
                    timeout connect 2s
                    timeout client 10m
                    timeout server 10m
                    timeout check 1s
                    retries 3
                    option redispatch 1
                frontend stats
                    mode http
                    bind 127.0.0.1:%d
                    stats enable
                    stats uri /stats
                frontend agents
                    bind 127.0.0.1:%d
                    default_backend %s
                frontend clients
                    bind 127.0.0.1:%d
                    default_backend %s
                """.formatted(statsPort, agentPort, AGENT_BACKEND, clientPort, CLIENT_BACKEND));
        backend(sb, AGENT_BACKEND, "/healthz", servers, Backend::agentPort);
        backend(sb, CLIENT_BACKEND, "/readyz", servers, Backend::frontendPort);
        return sb.toString();
    }

    private static void backend(StringBuilder sb, String name, String check, List<Backend> servers,
                                java.util.function.ToIntFunction<Backend> port) {
        sb.append("backend ").append(name).append('\n')
                .append("    balance roundrobin\n")
                .append("    option httpchk GET ").append(check).append('\n')
                .append("    default-server inter ").append(CHECK_MILLIS).append("ms fall 1 rise 1\n");
        for (int i = 0; i < servers.size(); i++) {
            Backend server = servers.get(i);
            sb.append("    server s").append(i + 1).append(" 127.0.0.1:").append(port.applyAsInt(server))
                    .append(" check port ").append(server.healthPort()).append('\n');
        }
    }

    /** A port the OS chose and released again: haproxy cannot bind port 0 and tell which it got. */
    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** The address agents dial: round robin over the servers' agent ports. */
    public int agentPort() {
        return agentPort;
    }

    /** The address clients use as their proxy: round robin over the servers' CONNECT ports. */
    public int clientPort() {
        return clientPort;
    }

    public int statsPort() {
        return statsPort;
    }

    /** {@code s1 -> UP}, … for {@code backend}, from haproxy's stats; empty if they cannot be read. */
    public Map<String, String> serverStates(String backend) {
        Map<String, String> states = new HashMap<>();
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + statsPort + "/stats;csv"))
                    .timeout(Duration.ofSeconds(2)).build();
            List<String> lines = http.send(request, HttpResponse.BodyHandlers.ofString()).body().lines().toList();
            List<String> header = Arrays.asList(lines.get(0).replaceFirst("^# ", "").split(",", -1));
            int proxy = header.indexOf("pxname");
            int name = header.indexOf("svname");
            int status = header.indexOf("status");
            for (String line : lines.subList(1, lines.size())) {
                String[] cols = line.split(",", -1);
                if (cols.length > status && cols[proxy].equals(backend) && cols[name].matches("s\\d+")) {
                    states.put(cols[name], cols[status]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return Map.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return states;
    }

    /** Waits until haproxy sends clients to server {@code index} (1-based), or no longer does. */
    public void awaitClientBackend(int index, boolean up, Duration timeout) {
        String server = "s" + index;
        Await.until("haproxy to mark " + server + (up ? " UP" : " DOWN"), timeout, () -> {
            String state = serverStates(CLIENT_BACKEND).getOrDefault(server, "");
            return up ? state.equals("UP") : state.startsWith("DOWN");
        });
    }

    public String output() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
