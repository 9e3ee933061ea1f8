package io.tunnel.it.netns;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunnel.it.Commands;
import io.tunnel.it.Jars;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The public/private topology of {@code scripts/lib/netns.sh} (the demo's), built for one test class: namespaces
 * {@code <prefix>-public}, {@code <prefix>-private} and {@code <prefix>-router}, and on demand
 * ({@link #upSecond()}) a second private network {@code <prefix>-private2} behind the same router. The script is the
 * single definition of the topology; this class runs it and reads back the names and addresses it prints.
 * {@link #up(String)} removes leftovers of an earlier run with the same prefix first; {@link #close()} removes
 * the namespaces, anything still running in them, and their resolv.conf files.
 */
final class Netns implements AutoCloseable {
    static final Path SCRIPT = Jars.ROOT.resolve("scripts").resolve("lib").resolve("netns.sh");
    private static final Duration SETUP_TIMEOUT = Duration.ofSeconds(60);

    private final String prefix;
    private final Map<String, String> topology;

    private Netns(String prefix, Map<String, String> topology) {
        this.prefix = prefix;
        this.topology = topology;
    }

    /** Builds the topology under {@code prefix}; fails with the script's output if it cannot. */
    static Netns up(String prefix) {
        assertThat(SCRIPT).as("the namespace script").isRegularFile();
        Commands.Result result = script(prefix, SETUP_TIMEOUT, "up");
        if (result.exitCode() != 0) {
            script(prefix, SETUP_TIMEOUT, "down");
            throw new AssertionError("netns.sh up failed: " + result);
        }
        Map<String, String> topology = new LinkedHashMap<>();
        readTopology(result, topology);
        return new Netns(prefix, topology);
    }

    private static void readTopology(Commands.Result result, Map<String, String> topology) {
        result.stdout().lines().filter(l -> l.contains("=")).forEach(l -> {
            int eq = l.indexOf('=');
            topology.put(l.substring(0, eq), l.substring(eq + 1));
        });
    }

    /** Adds the second private network ({@code netns.sh up-second}); fails with the script's output if it cannot. */
    synchronized void upSecond() {
        Commands.Result result = script(SETUP_TIMEOUT, "up-second");
        assertThat(result.exitCode()).as("netns.sh up-second: %s", result).isZero();
        readTopology(result, topology);
    }

    private static Commands.Result script(String prefix, Duration timeout, String... args) {
        List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString()));
        command.addAll(List.of(args));
        return Commands.run(timeout, Map.of("NETNS_PREFIX", prefix), null, command);
    }

    /** Runs {@code netns.sh args...} to completion. */
    Commands.Result script(Duration timeout, String... args) {
        return script(prefix, timeout, args);
    }

    /** Starts a long-running {@code netns.sh args...} (a service or a streaming client) with its log in logDir. */
    NsProcess startScript(String name, Path logDir, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString()));
        command.addAll(List.of(args));
        return NsProcess.start(name, logDir, Map.of("NETNS_PREFIX", prefix), command);
    }

    /** The private services: dnsmasq, the HTTP page (index.html in {@code www}) and the TCP echo. */
    List<NsProcess> startPrivateServices(Path logDir, Path www, int httpPort, int echoPort) throws IOException {
        List<NsProcess> services = new ArrayList<>();
        services.add(startScript("dnsmasq", logDir, "serve-dns"));
        services.add(startScript("http", logDir, "serve-http", privateNs(), serviceIp(), Integer.toString(httpPort),
                www.toString()));
        services.add(startScript("echo", logDir, "serve-echo", privateNs(), serviceIp(), Integer.toString(echoPort)));
        return services;
    }

    /** The prefix that runs a command inside {@code ns}. */
    static List<String> in(String ns) {
        return List.of("ip", "netns", "exec", ns);
    }

    /** Runs {@code command} inside {@code ns} to completion. */
    static Commands.Result exec(String ns, Duration timeout, String... command) {
        List<String> full = new ArrayList<>(in(ns));
        full.addAll(List.of(command));
        return Commands.run(timeout, full);
    }

    /** Runs {@code command} inside {@code ns} and fails unless it exits 0. */
    static Commands.Result execOk(String ns, Duration timeout, String... command) {
        Commands.Result result = exec(ns, timeout, command);
        assertThat(result.exitCode()).as("%s in %s: %s", String.join(" ", command), ns, result).isZero();
        return result;
    }

    /** True if a TCP connection from {@code ns} to host:port opens within {@code seconds}. */
    boolean tcpConnects(String ns, String host, int port, int seconds) {
        return script(Duration.ofSeconds(seconds + 10L), "tcp-connect", ns, host, Integer.toString(port),
                Integer.toString(seconds)).exitCode() == 0;
    }

    String get(String key) {
        String value = topology.get(key);
        if (value == null) {
            throw new IllegalStateException("netns.sh did not print " + key + ": " + topology);
        }
        return value;
    }

    String publicNs() {
        return get("NS_PUBLIC");
    }

    String privateNs() {
        return get("NS_PRIVATE");
    }

    String routerNs() {
        return get("NS_ROUTER");
    }

    /** The server's address in the public network. */
    String serverIp() {
        return get("SERVER_IP");
    }

    /** The router's public address: the private network's connections leave through it (NAT). */
    String routerPublicIp() {
        return get("ROUTER_PUBLIC_IP");
    }

    /** The agent host's address in the private network. */
    String agentIp() {
        return get("AGENT_IP");
    }

    /** The address of the private HTTP and echo services. */
    String serviceIp() {
        return get("SERVICE_IP");
    }

    /** The name only the private network's DNS server knows; it stands for {@link #serviceIp()}. */
    String privateName() {
        return get("PRIVATE_NAME");
    }

    /** The second private network's namespace (after {@link #upSecond()}). */
    String private2Ns() {
        return get("NS_PRIVATE2");
    }

    /** The address of the second private network's services. */
    String service2Ip() {
        return get("SERVICE2_IP");
    }

    /** The name only the second private network's DNS server knows; it stands for {@link #service2Ip()}. */
    String private2Name() {
        return get("PRIVATE2_NAME");
    }

    @Override
    public void close() {
        Commands.Result result = script(SETUP_TIMEOUT, "down");
        assertThat(result.exitCode()).as("netns.sh down: %s", result).isZero();
        List<String> namespaces = new ArrayList<>(List.of(publicNs(), privateNs(), routerNs()));
        if (topology.containsKey("NS_PRIVATE2")) {
            namespaces.add(private2Ns());
        }
        for (String ns : namespaces) {
            assertThat(Path.of("/run/netns", ns)).as("namespace %s removed", ns).doesNotExist();
            assertThat(Files.exists(Path.of("/etc/netns", ns))).as("/etc/netns/%s removed", ns).isFalse();
        }
    }

    @Override
    public String toString() {
        return "namespaces " + publicNs() + ", " + privateNs() + ", " + routerNs();
    }
}
