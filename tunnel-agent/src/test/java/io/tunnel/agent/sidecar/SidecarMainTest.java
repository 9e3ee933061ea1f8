package io.tunnel.agent.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.util.NetUtil;
import io.tunnel.core.cli.Cli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** The command line: Gardener's flag names and forms, the defaults, bad flags, and the one-shot run. */
class SidecarMainTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final FakeNode node = new FakeNode().withDevice("lo").withDevice("eth0");

    private int run(String... args) {
        return SidecarMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), node);
    }

    private String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }

    private static SidecarConfig parse(String... args) {
        SidecarFlags flags = new SidecarFlags();
        PrintStream sink = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        OptionalInt early = Cli.parse("test", SidecarFlags.normalize(args), sink, sink, new Cli.HelpFlag(),
                flags.all());
        assertThat(early).isEmpty();
        assertThat(flags.problems()).isEmpty();
        return flags.toConfig();
    }

    @Test
    void defaultsAreGardenersExceptThePort() {
        SidecarConfig config = parse("--ip-address", "10.96.0.2");
        assertThat(config).isEqualTo(new SidecarConfig(NetUtil.createInetAddressFromIpAddressString("10.96.0.2"),
                null, "lo", 443, false, false, true, Duration.ofMinutes(1)));
    }

    @Test
    void takesGoStyleFlags() {
        SidecarConfig config = parse("--ip-address=10.96.0.2", "--kubernetes-service-ip-address=10.96.0.1",
                "--interface=eth0", "--port=9443", "--setup-iptables", "--cleanup", "--daemon=false",
                "--sync-interval=1s");
        assertThat(config).isEqualTo(new SidecarConfig(NetUtil.createInetAddressFromIpAddressString("10.96.0.2"),
                NetUtil.createInetAddressFromIpAddressString("10.96.0.1"), "eth0", 9443, true, true, false,
                Duration.ofSeconds(1)));
        assertThat(parse("--ip-address", "10.96.0.2", "--daemon", "--setup-iptables=false", "--cleanup=true"))
                .extracting(SidecarConfig::daemon, SidecarConfig::setupIptables, SidecarConfig::cleanup)
                .containsExactly(true, false, true);
    }

    @Test
    void oneShotSetsUpAndExitsZero() {
        assertThat(run("--ip-address=10.96.0.2", "--setup-iptables", "--daemon=false")).isZero();
        assertThat(node.addresses.get("lo")).containsExactly("10.96.0.2/32");
        assertThat(node.chains.values().stream().mapToInt(java.util.List::size).sum()).isEqualTo(5);
        assertThat(run("--ip-address=10.96.0.2", "--setup-iptables", "--daemon=false")).isZero();
        assertThat(node.addresses.get("lo")).containsExactly("10.96.0.2/32");
        assertThat(node.chains.values().stream().mapToInt(java.util.List::size).sum()).isEqualTo(5);
    }

    @Test
    void oneShotThatCannotSetUpExitsOne() {
        assertThat(run("--ip-address=10.96.0.2", "--interface=eth9", "--daemon=false")).isEqualTo(Cli.EXIT_FAILURE);
        assertThat(stderr()).isEqualTo("tunnel-agent sidecar: could not set up everything (see the log)\n");
    }

    @Test
    void aDaemonThatCannotStartExitsOne() {
        node.fail(c -> c.get(0).equals("iptables"), new CommandRunner.Result(127, "", "no iptables\n"));
        assertThat(run("--ip-address=10.96.0.2", "--setup-iptables")).isEqualTo(Cli.EXIT_FAILURE);
        assertThat(stderr()).startsWith("tunnel-agent sidecar: could not set up 10.96.0.2/32 on lo and 5 iptables "
                + "rules for port 443").hasLineCount(1);
    }

    @Test
    void badFlagsAreUsageErrors() {
        assertThat(run()).isEqualTo(Cli.EXIT_USAGE);
        assertThat(stderr()).startsWith("tunnel-agent sidecar: The following option is required: [--ip-address]");
        err.reset();
        assertThat(run("--ip-address", "api.example.com")).isEqualTo(Cli.EXIT_USAGE);
        assertThat(stderr()).startsWith("tunnel-agent sidecar: 'api.example.com' is not an IP address\n");
        err.reset();
        assertThat(run("--ip-address", "10.96.0.2", "--port", "0")).isEqualTo(Cli.EXIT_USAGE);
        assertThat(stderr()).startsWith("tunnel-agent sidecar: --port must be in [1, 65535]\n");
        err.reset();
        assertThat(run("--ip-address", "10.96.0.2", "--interface", "-j")).isEqualTo(Cli.EXIT_USAGE);
        assertThat(stderr()).startsWith("tunnel-agent sidecar: --interface '-j' is not an interface name\n");
        err.reset();
        assertThat(run("--ip-address", "10.96.0.2", "--interface", "eth0:1")).isEqualTo(Cli.EXIT_USAGE);
        err.reset();
        assertThat(run("--ip-address", "10.96.0.2", "--interface", "a-very-long-name0")).isEqualTo(Cli.EXIT_USAGE);
        err.reset();
        assertThat(run("--ip-address", "10.96.0.2", "--daemon=maybe")).isEqualTo(Cli.EXIT_USAGE);
        assertThat(stderr()).contains("--daemon");
        assertThat(node.commands).isEmpty();
    }

    @Test
    void helpListsTheFlags() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("tunnel-agent sidecar", "--ip-address",
                "--kubernetes-service-ip-address", "--interface", "--port", "--setup-iptables", "--cleanup", "--daemon",
                "--sync-interval");
    }
}
