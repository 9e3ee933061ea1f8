package io.tunnel.it.netns;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunnel.it.Await;
import io.tunnel.it.Commands;
import io.tunnel.it.Jars;
import io.tunnel.it.JavaProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tunnel-agent sidecar} on a real network stack: each test gets a namespace of its own (only loopback, up),
 * runs the jar inside it and reads the result with {@code ip addr}, {@code iptables -S} and
 * {@code iptables -t raw -S}. The addresses are TEST-NET-3 (RFC 5737), standing in for Gardener's 10.96.0.2, and
 * exist only in the test's namespace.
 */
class SidecarIT {
    static final String PROXY_IP = "203.0.113.2";
    static final String SERVICE_IP = "203.0.113.1";
    private static final Duration CMD = Duration.ofSeconds(30);
    /** Generous: the sidecar checks every second, but the machine may be busy. */
    private static final Duration REPAIR_TIMEOUT = Duration.ofSeconds(30);
    /** The seed's five rules, as iptables -S prints them: table, then the line. */
    static final List<List<String>> RULES = List.of(
            List.of("raw", "-A PREROUTING -d 203.0.113.2/32 -p tcp -m tcp --dport 443 -j NOTRACK"),
            List.of("raw", "-A OUTPUT -d 203.0.113.2/32 -p tcp -m tcp --dport 443 -j NOTRACK"),
            List.of("raw", "-A OUTPUT -s 203.0.113.2/32 -p tcp -m tcp --sport 443 -j NOTRACK"),
            List.of("filter", "-A INPUT -d 203.0.113.2/32 -p tcp -m tcp --dport 443 -j ACCEPT"),
            List.of("filter", "-A OUTPUT -s 203.0.113.2/32 -p tcp -m tcp --sport 443 -j ACCEPT"));
    private static final String FOREIGN_RULE = "-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT";
    private static int namespaces;

    @TempDir
    Path tmp;
    private String ns;
    private final List<JavaProcess> processes = new ArrayList<>();

    @BeforeAll
    static void privileged() {
        Privileged.require("ip", "iptables", "bash");
        assertThat(Jars.AGENT).as("run mvn package first").isRegularFile();
    }

    @BeforeEach
    void namespace() {
        ns = "tunit-sidecar-" + (++namespaces);
        removeNamespace(ns);
        assertThat(Commands.run(CMD, List.of("ip", "netns", "add", ns)).exitCode()).isZero();
        exec("ip", "link", "set", "lo", "up");
    }

    @AfterEach
    void cleanUp() {
        try {
            for (JavaProcess p : processes) {
                p.close();
            }
        } finally {
            removeNamespace(ns);
        }
        assertThat(Path.of("/run/netns", ns)).doesNotExist();
    }

    /** Removes {@code name} with everything still running in it (by PID); fine if it does not exist. */
    static void removeNamespace(String name) {
        Commands.run(CMD, List.of("bash", "-c", "pids=$(ip netns pids \"$0\" 2>/dev/null || true); "
                + "[ -z \"$pids\" ] || kill -KILL $pids; ip netns del \"$0\" 2>/dev/null || true", name));
    }

    private Commands.Result exec(String... command) {
        return Netns.execOk(ns, CMD, command);
    }

    private JavaProcess startSidecar(String... flags) throws IOException {
        List<String> args = new ArrayList<>(List.of("sidecar"));
        args.addAll(List.of(flags));
        JavaProcess p = JavaProcess.start("sidecar-" + (processes.size() + 1), Jars.AGENT, tmp.resolve("logs"),
                Netns.in(ns), args);
        processes.add(p);
        return p;
    }

    private JavaProcess startDaemon() throws IOException {
        JavaProcess p = startSidecar("--ip-address=" + PROXY_IP, "--kubernetes-service-ip-address=" + SERVICE_IP,
                "--setup-iptables", "--cleanup", "--sync-interval=1s");
        Await.until("the sidecar's addresses and rules", REPAIR_TIMEOUT, () -> {
            if (!p.isAlive()) {
                throw new AssertionError("sidecar exited: " + p.output());
            }
            return everythingInPlace();
        });
        return p;
    }

    /** Runs the sidecar in the namespace to its end (a one-shot run, or one that fails at start). */
    private Commands.Result oneShot(String... flags) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", Jars.AGENT.toString(),
                "sidecar"));
        command.addAll(List.of(flags));
        return Netns.exec(ns, Duration.ofSeconds(60), command.toArray(String[]::new));
    }

    private List<String> addresses() {
        return exec("ip", "-o", "addr", "show", "dev", "lo").stdout().lines()
                .map(l -> l.replaceAll(".* inet6? (\\S+) .*", "$1")).toList();
    }

    private List<String> rules(String table) {
        return exec("iptables", "-t", table, "-S").stdout().lines().filter(l -> l.startsWith("-A ")).toList();
    }

    private boolean everythingInPlace() {
        return addresses().containsAll(List.of(PROXY_IP + "/32", SERVICE_IP + "/32"))
                && RULES.stream().allMatch(r -> rules(r.get(0)).contains(r.get(1)));
    }

    /** Every address and rule of the sidecar exactly once. */
    private void assertEachOnce() {
        assertThat(addresses()).containsOnlyOnce(PROXY_IP + "/32", SERVICE_IP + "/32");
        assertThat(rules("raw")).containsExactlyInAnyOrder(RULES.get(0).get(1), RULES.get(1).get(1),
                RULES.get(2).get(1));
        assertThat(rules("filter")).containsExactlyInAnyOrder(RULES.get(3).get(1), RULES.get(4).get(1));
    }

    @Test
    void theAddressesAndTheFiveRulesAppear() throws IOException {
        JavaProcess sidecar = startDaemon();
        assertEachOnce();
        assertThat(addresses()).containsExactly("127.0.0.1/8", PROXY_IP + "/32", SERVICE_IP + "/32", "::1/128");
        sidecar.awaitLog("added iptables -t filter -A OUTPUT -s 203\\.0\\.113\\.2/32 -p tcp -m tcp --sport 443 "
                + "-j ACCEPT", CMD);
    }

    @Test
    void whatSomeoneRemovesIsBackWithinTheSyncInterval() throws IOException {
        JavaProcess sidecar = startDaemon();
        exec("iptables", "-t", "raw", "-D", "OUTPUT", "-s", PROXY_IP + "/32", "-p", "tcp", "-m", "tcp",
                "--sport", "443", "-j", "NOTRACK");
        exec("ip", "addr", "del", PROXY_IP + "/32", "dev", "lo");
        Await.until("the removed rule and address back", REPAIR_TIMEOUT, this::everythingInPlace);
        assertEachOnce();
        sidecar.awaitLog("restored 203\\.0\\.113\\.2/32 on lo: it had been removed", CMD);
        sidecar.awaitLog("restored iptables -t raw -A OUTPUT -s 203\\.0\\.113\\.2/32 .* -j NOTRACK: it had been "
                + "removed", CMD);
    }

    @Test
    void runningItTwiceAddsNoDuplicate() throws IOException {
        String[] flags = {"--ip-address=" + PROXY_IP, "--kubernetes-service-ip-address=" + SERVICE_IP,
                "--setup-iptables", "--daemon=false"};
        for (int run = 1; run <= 2; run++) {
            Commands.Result r = oneShot(flags);
            assertThat(r.exitCode()).as("one-shot run %d: %s", run, r).isZero();
            assertEachOnce();
        }
        startDaemon();
        Commands.Result r = oneShot(flags);
        assertThat(r.exitCode()).as("one-shot beside the daemon: %s", r).isZero();
        assertEachOnce();
    }

    @Test
    void sigtermWithCleanupRemovesExactlyItsOwn() throws IOException {
        exec("ip", "addr", "add", SERVICE_IP + "/32", "dev", "lo"); // there before the sidecar: not its own
        JavaProcess sidecar = startDaemon();
        exec("iptables", "-A", "INPUT", "-p", "tcp", "-m", "tcp", "--dport", "22", "-j", "ACCEPT");
        exec("ip", "addr", "add", "203.0.113.9/32", "dev", "lo");

        sidecar.stop();
        assertThat(sidecar.output()).contains("removed 203.0.113.2/32 on lo",
                "left 203.0.113.1/32 on lo in place: this sidecar did not add it");
        assertThat(rules("raw")).isEmpty();
        assertThat(rules("filter")).containsExactly(FOREIGN_RULE);
        assertThat(addresses()).containsExactly("127.0.0.1/8", SERVICE_IP + "/32", "203.0.113.9/32", "::1/128");
    }

    @Test
    void withoutCleanupSigtermLeavesEverything() throws IOException {
        JavaProcess sidecar = startSidecar("--ip-address=" + PROXY_IP, "--setup-iptables", "--sync-interval=1s");
        Await.until("the sidecar's address", REPAIR_TIMEOUT, () -> addresses().contains(PROXY_IP + "/32"));
        sidecar.awaitLog("keeping 203\\.0\\.113\\.2/32 on lo and 5 iptables rules", CMD);
        Await.until("the five rules", REPAIR_TIMEOUT,
                () -> RULES.stream().allMatch(r -> rules(r.get(0)).contains(r.get(1))));
        sidecar.stop();
        assertThat(addresses()).contains(PROXY_IP + "/32");
        assertThat(rules("raw")).hasSize(3);
        assertThat(rules("filter")).hasSize(2);
    }

    @Test
    void aMissingInterfaceIsAClearFailure() {
        Commands.Result r = oneShot("--ip-address=" + PROXY_IP, "--interface=nosuch0", "--daemon=false");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.stdout()).contains("cannot list the addresses of nosuch0: Device \"nosuch0\" does not exist.");
        assertThat(r.stderr()).isEqualTo("tunnel-agent sidecar: could not set up everything (see the log)\n");

        Commands.Result daemon = oneShot("--ip-address=" + PROXY_IP, "--interface=nosuch0");
        assertThat(daemon.exitCode()).as(daemon.toString()).isEqualTo(1);
        assertThat(daemon.stderr()).startsWith("tunnel-agent sidecar: could not set up 203.0.113.2/32 on nosuch0");
    }
}
