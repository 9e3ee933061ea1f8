package io.tunnel.agent.sidecar;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * One iptables rule, checked with {@code -C}, added with {@code -I} (at the head of its chain, so that no earlier
 * DROP or REJECT of the node shadows it) and removed with {@code -D}, which deletes one copy. Every call waits up to
 * {@value #LOCK_WAIT_SECONDS} s for the xtables lock instead of failing when kube-proxy or a CNI holds it.
 *
 * @param ipv6  {@code ip6tables} instead of {@code iptables}
 * @param table {@code raw} or {@code filter}
 * @param chain e.g. {@code PREROUTING}
 * @param match the rest of the rule, in the form {@code iptables -S} prints it (so a listing can be compared)
 */
public record IptablesRule(boolean ipv6, String table, String chain, List<String> match) implements NetworkItem {
    static final int LOCK_WAIT_SECONDS = 5;
    /** {@code iptables -C}: the rule is not in the chain. */
    private static final int EXIT_NO_SUCH_RULE = 1;

    public IptablesRule {
        match = List.copyOf(match);
    }

    /**
     * The five rules of Gardener's apiserver-proxy-sidecar for {@code address:port}: no connection tracking for TCP
     * to and from it (raw), and accepted in and out (filter), since untracked packets miss the usual ESTABLISHED rule.
     */
    public static List<IptablesRule> forProxy(InetAddress address, int port) {
        boolean ipv6 = address instanceof Inet6Address;
        String host = InterfaceAddress.hostCidr(address);
        String p = Integer.toString(port);
        return List.of(
                new IptablesRule(ipv6, "raw", "PREROUTING", tcp("-d", host, "--dport", p, "NOTRACK")),
                new IptablesRule(ipv6, "raw", "OUTPUT", tcp("-d", host, "--dport", p, "NOTRACK")),
                new IptablesRule(ipv6, "raw", "OUTPUT", tcp("-s", host, "--sport", p, "NOTRACK")),
                new IptablesRule(ipv6, "filter", "INPUT", tcp("-d", host, "--dport", p, "ACCEPT")),
                new IptablesRule(ipv6, "filter", "OUTPUT", tcp("-s", host, "--sport", p, "ACCEPT")));
    }

    private static List<String> tcp(String hostFlag, String host, String portFlag, String port, String target) {
        return List.of(hostFlag, host, "-p", "tcp", "-m", "tcp", portFlag, port, "-j", target);
    }

    /** The program: {@code iptables} or {@code ip6tables}. */
    public String program() {
        return ipv6 ? "ip6tables" : "iptables";
    }

    private List<String> command(String operation) {
        List<String> command = new ArrayList<>(List.of(program(), "-w", Integer.toString(LOCK_WAIT_SECONDS),
                "-t", table, operation, chain));
        command.addAll(match);
        return command;
    }

    @Override
    public boolean isPresent(CommandRunner runner) throws SidecarException {
        CommandRunner.Result result = runner.run(command("-C"));
        if (result.isSuccess()) {
            return true;
        }
        if (result.exitCode() == EXIT_NO_SUCH_RULE) {
            return false;
        }
        throw new SidecarException("cannot check " + this + ": " + result.failure());
    }

    @Override
    public void add(CommandRunner runner) throws SidecarException {
        run(runner, "-I", "cannot add ");
    }

    @Override
    public void remove(CommandRunner runner) throws SidecarException {
        run(runner, "-D", "cannot remove ");
    }

    private void run(CommandRunner runner, String operation, String failure) throws SidecarException {
        CommandRunner.Result result = runner.run(command(operation));
        if (!result.isSuccess()) {
            throw new SidecarException(failure + this + ": " + result.failure());
        }
    }

    /** As {@code iptables -t TABLE -S} lists it: {@code -t raw -A PREROUTING -d 10.96.0.2/32 -p tcp ...}. */
    @Override
    public String toString() {
        return program() + " -t " + table + " -A " + chain + " " + String.join(" ", match);
    }
}
