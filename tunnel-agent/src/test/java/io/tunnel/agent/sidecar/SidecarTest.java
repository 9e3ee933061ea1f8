package io.tunnel.agent.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** The sidecar's logic on a {@link FakeNode}: check before add, repair, and a cleanup of exactly what it added. */
class SidecarTest {
    private static final InetAddress PROXY_IP = ip("10.96.0.2");
    private static final InetAddress SERVICE_IP = ip("10.96.0.1");
    private static final String NOTRACK_IN = "-d 10.96.0.2/32 -p tcp -m tcp --dport 443 -j NOTRACK";
    private static final String NOTRACK_OUT = "-s 10.96.0.2/32 -p tcp -m tcp --sport 443 -j NOTRACK";
    private static final String ACCEPT_IN = "-d 10.96.0.2/32 -p tcp -m tcp --dport 443 -j ACCEPT";
    private static final String ACCEPT_OUT = "-s 10.96.0.2/32 -p tcp -m tcp --sport 443 -j ACCEPT";
    private static final String FOREIGN_RULE = "-p tcp -m tcp --dport 22 -j ACCEPT";

    private final FakeNode node = new FakeNode().withDevice("lo");

    private static InetAddress ip(String literal) {
        return NetUtil.createInetAddressFromIpAddressString(literal);
    }

    private static SidecarConfig config(boolean iptables, boolean cleanup) {
        return new SidecarConfig(PROXY_IP, SERVICE_IP, "lo", 443, iptables, cleanup, true, Duration.ofMinutes(1));
    }

    private void assertEverythingInPlace() {
        assertThat(node.addresses.get("lo")).containsExactly("10.96.0.2/32", "10.96.0.1/32");
        assertThat(node.chain("iptables", "raw", "PREROUTING")).containsExactly(NOTRACK_IN);
        assertThat(node.chain("iptables", "raw", "OUTPUT")).containsExactlyInAnyOrder(NOTRACK_IN, NOTRACK_OUT);
        assertThat(node.chain("iptables", "filter", "INPUT")).containsExactly(ACCEPT_IN);
        assertThat(node.chain("iptables", "filter", "OUTPUT")).containsExactly(ACCEPT_OUT);
    }

    @Test
    void theFiveRulesAreTheSeeds() {
        assertThat(IptablesRule.forProxy(PROXY_IP, 443)).map(IptablesRule::toString).containsExactly(
                "iptables -t raw -A PREROUTING " + NOTRACK_IN,
                "iptables -t raw -A OUTPUT " + NOTRACK_IN,
                "iptables -t raw -A OUTPUT " + NOTRACK_OUT,
                "iptables -t filter -A INPUT " + ACCEPT_IN,
                "iptables -t filter -A OUTPUT " + ACCEPT_OUT);
    }

    @Test
    void ipv6TakesIp6tablesAndOneAddressPrefixes() {
        List<IptablesRule> rules = IptablesRule.forProxy(ip("fd00::2"), 8443);
        assertThat(rules).allSatisfy(r -> assertThat(r.program()).isEqualTo("ip6tables"));
        assertThat(rules.get(0).match()).containsExactly("-d", "fd00::2/128", "-p", "tcp", "-m", "tcp", "--dport",
                "8443", "-j", "NOTRACK");
        assertThat(new InterfaceAddress("lo", ip("fd00::2")).cidr()).isEqualTo("fd00::2/128");

        Sidecar sidecar = new Sidecar(new SidecarConfig(ip("fd00::2"), null, "lo", 8443, true, true, true,
                Duration.ofMinutes(1)), node);
        assertThat(sidecar.sync()).isTrue();
        assertThat(node.addresses.get("lo")).containsExactly("fd00::2/128");
        assertThat(node.chain("ip6tables", "filter", "INPUT"))
                .containsExactly("-d fd00::2/128 -p tcp -m tcp --dport 8443 -j ACCEPT");
        assertThat(sidecar.removeAdded()).isTrue();
        assertThat(node.addresses.get("lo")).isEmpty();
        assertThat(node.chain("ip6tables", "filter", "INPUT")).isEmpty();
    }

    @Test
    void firstSyncAddsBothAddressesAndTheFiveRules() {
        Sidecar sidecar = new Sidecar(config(true, false), node);
        assertThat(sidecar.sync()).isTrue();
        assertEverythingInPlace();
        assertThat(node.changes()).hasSize(7);
        assertThat(sidecar.added()).hasSize(7);
    }

    @Test
    void withoutSetupIptablesOnlyTheAddresses() {
        Sidecar sidecar = new Sidecar(config(false, false), node);
        assertThat(sidecar.sync()).isTrue();
        assertThat(node.addresses.get("lo")).containsExactly("10.96.0.2/32", "10.96.0.1/32");
        assertThat(node.commands).noneMatch(c -> c.get(0).equals("iptables"));
    }

    @Test
    void aSyncWithEverythingInPlaceOnlyChecks() {
        Sidecar sidecar = new Sidecar(config(true, false), node);
        sidecar.sync();
        node.commands.clear();
        assertThat(sidecar.sync()).isTrue();
        assertThat(node.commands).hasSize(7);
        assertThat(node.changes()).isEmpty();
        assertEverythingInPlace();
    }

    @Test
    void aSecondSidecarAddsNoDuplicate() {
        new Sidecar(config(true, false), node).sync();
        Sidecar second = new Sidecar(config(true, true), node);
        node.commands.clear();
        assertThat(second.sync()).isTrue();
        assertThat(node.changes()).isEmpty();
        assertEverythingInPlace();
        assertThat(second.added()).isEmpty();
    }

    @Test
    void repairsWhatSomeoneRemoved() {
        Sidecar sidecar = new Sidecar(config(true, false), node);
        sidecar.sync();
        node.chain("iptables", "raw", "OUTPUT").remove(NOTRACK_OUT);
        node.addresses.get("lo").remove("10.96.0.2/32");
        node.commands.clear();
        assertThat(sidecar.sync()).isTrue();
        assertThat(node.changes()).containsExactly(
                List.of("ip", "addr", "add", "10.96.0.2/32", "dev", "lo"),
                List.of("iptables", "-w", "5", "-t", "raw", "-I", "OUTPUT", "-s", "10.96.0.2/32", "-p", "tcp", "-m",
                        "tcp", "--sport", "443", "-j", "NOTRACK"));
        assertThat(node.addresses.get("lo")).containsExactlyInAnyOrder("10.96.0.2/32", "10.96.0.1/32");
        assertThat(node.chain("iptables", "raw", "OUTPUT")).containsExactlyInAnyOrder(NOTRACK_IN, NOTRACK_OUT);
    }

    @Test
    void theSameAddressWithAnotherPrefixLengthIsNotIt() {
        node.addresses.get("lo").add("10.96.0.2/24");
        Sidecar sidecar = new Sidecar(config(false, false), node);
        assertThat(sidecar.sync()).isTrue();
        assertThat(node.addresses.get("lo")).containsExactly("10.96.0.2/24", "10.96.0.2/32", "10.96.0.1/32");
    }

    @Test
    void cleanupRemovesExactlyWhatItAdded() {
        List<String> lo = node.addresses.get("lo");
        lo.add("127.0.0.1/8");
        lo.add("10.96.0.1/32"); // the service address was there before: not the sidecar's
        node.chain("iptables", "filter", "INPUT").add(ACCEPT_IN); // so was one of the rules
        node.chain("iptables", "filter", "INPUT").add(FOREIGN_RULE);
        Sidecar sidecar = new Sidecar(config(true, true), node);
        assertThat(sidecar.sync()).isTrue();
        assertThat(sidecar.added()).hasSize(5);
        lo.add("10.96.0.9/32"); // someone else's, added while the sidecar runs

        assertThat(sidecar.removeAdded()).isTrue();
        assertThat(lo).containsExactly("127.0.0.1/8", "10.96.0.1/32", "10.96.0.9/32");
        assertThat(node.chain("iptables", "filter", "INPUT")).containsExactly(ACCEPT_IN, FOREIGN_RULE);
        assertThat(node.chain("iptables", "raw", "PREROUTING")).isEmpty();
        assertThat(node.chain("iptables", "raw", "OUTPUT")).isEmpty();
        assertThat(node.chain("iptables", "filter", "OUTPUT")).isEmpty();
        assertThat(sidecar.added()).isEmpty();
    }

    @Test
    void anItemTheSidecarRestoredIsItsOwn() {
        node.addresses.get("lo").add("10.96.0.1/32");
        Sidecar sidecar = new Sidecar(config(false, true), node);
        sidecar.sync();
        node.addresses.get("lo").remove("10.96.0.1/32");
        sidecar.sync();
        assertThat(sidecar.removeAdded()).isTrue();
        assertThat(node.addresses.get("lo")).isEmpty();
    }

    @Test
    void cleanupSkipsWhatIsAlreadyGone() {
        Sidecar sidecar = new Sidecar(config(true, true), node);
        sidecar.sync();
        node.chain("iptables", "filter", "OUTPUT").clear();
        node.commands.clear();
        assertThat(sidecar.removeAdded()).isTrue();
        assertThat(node.changes()).hasSize(6).noneMatch(c -> c.contains("filter") && c.contains("OUTPUT"));
    }

    @Test
    void aFailingCommandIsReportedAndTheOthersStillHandled() {
        node.fail(c -> c.contains("raw"), new CommandRunner.Result(4, "",
                "Another app is currently holding the xtables lock. Stopped waiting after 5s.\n"));
        Sidecar sidecar = new Sidecar(config(true, false), node);
        assertThat(sidecar.sync()).isFalse();
        assertThat(node.addresses.get("lo")).containsExactly("10.96.0.2/32", "10.96.0.1/32");
        assertThat(node.chain("iptables", "filter", "INPUT")).containsExactly(ACCEPT_IN);
        assertThat(node.chain("iptables", "raw", "PREROUTING")).isEmpty();

        node.heal();
        assertThat(sidecar.sync()).isTrue();
        assertEverythingInPlace();
    }

    @Test
    void aCheckThatFailsIsAnErrorNotAMissingRule() {
        IptablesRule rule = IptablesRule.forProxy(PROXY_IP, 443).get(0);
        node.fail(c -> true, new CommandRunner.Result(3, "", "iptables v1.8.9 (nf_tables): table 'raw' does not exist\n"));
        assertThatThrownBy(() -> rule.isPresent(node)).isInstanceOf(SidecarException.class)
                .hasMessage("cannot check " + rule + ": iptables v1.8.9 (nf_tables): table 'raw' does not exist");
        assertThat(node.changes()).isEmpty();
    }

    @Test
    void aMissingInterfaceIsAClearError() {
        InterfaceAddress address = new InterfaceAddress("eth9", PROXY_IP);
        assertThatThrownBy(() -> address.isPresent(node)).isInstanceOf(SidecarException.class)
                .hasMessage("cannot list the addresses of eth9: Device \"eth9\" does not exist.");
    }

    @Test
    void startFailsWhenTheFirstSyncFailsAndRemovesWhatItAddedWithCleanup() {
        node.fail(c -> c.get(0).equals("iptables") && c.contains("-I"), new CommandRunner.Result(1, "",
                "iptables: No chain/target/match by that name.\n"));
        Sidecar sidecar = new Sidecar(config(true, true), node);
        assertThatThrownBy(sidecar::start).isInstanceOf(SidecarException.class)
                .hasMessageStartingWith("could not set up 10.96.0.2/32 on lo, 10.96.0.1/32 on lo and 5 iptables rules");
        assertThat(node.addresses.get("lo")).isEmpty();
        sidecar.close();
    }

    @Test
    void startFailsWithoutCleanupLeavesWhatItAdded() {
        node.fail(c -> c.get(0).equals("iptables"), new CommandRunner.Result(127, "", "iptables: not found\n"));
        Sidecar sidecar = new Sidecar(config(true, false), node);
        assertThatThrownBy(sidecar::start).isInstanceOf(SidecarException.class);
        assertThat(node.addresses.get("lo")).containsExactly("10.96.0.2/32", "10.96.0.1/32");
    }

    @Test
    void theDaemonRepairsOnItsIntervalAndCleansUpOnClose() throws Exception {
        SidecarConfig config = new SidecarConfig(PROXY_IP, SERVICE_IP, "lo", 443, true, true, true,
                Duration.ofMillis(20));
        Sidecar sidecar = new Sidecar(config, node);
        try {
            sidecar.start();
            node.edit(() -> {
                node.addresses.get("lo").remove("10.96.0.1/32");
                node.chain("iptables", "filter", "INPUT").clear();
                node.chain("iptables", "filter", "INPUT").add(FOREIGN_RULE);
            });
            awaitTrue(() -> node.read(() -> node.addresses.get("lo").contains("10.96.0.1/32")
                    && node.chain("iptables", "filter", "INPUT").contains(ACCEPT_IN)));
        } finally {
            sidecar.close();
        }
        node.edit(() -> {
            assertThat(node.addresses.get("lo")).isEmpty();
            assertThat(node.chain("iptables", "filter", "INPUT")).containsExactly(FOREIGN_RULE);
            assertThat(node.chains.values()).allSatisfy(rules -> assertThat(rules).isSubsetOf(FOREIGN_RULE));
        });
        int commands = node.read(node.commands::size);
        awaitNoChange(commands);
    }

    /** After close no check runs any more: the command count stays (checked a few intervals long). */
    private void awaitNoChange(int commands) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMillis(200).toNanos();
        while (System.nanoTime() < deadline) {
            assertThat(node.read(node.commands::size)).isEqualTo(commands);
            Thread.sleep(20); // polling: a bounded look for any further command
        }
    }

    private static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within 10 s").isLessThan(deadline);
            Thread.sleep(10); // polling interval of a bounded wait
        }
    }
}
