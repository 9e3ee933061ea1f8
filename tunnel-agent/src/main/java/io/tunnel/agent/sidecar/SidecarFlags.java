package io.tunnel.agent.sidecar;

import com.beust.jcommander.Parameter;
import com.beust.jcommander.Parameters;
import io.tunnel.core.cli.Cli;
import io.tunnel.core.cli.DurationConverter;
import io.tunnel.core.cli.FlagGroup;
import io.tunnel.core.cli.LinkFlags;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The sidecar's flags: the names and defaults of Gardener's apiserver-proxy-sidecar, except {@code --port}, which
 * defaults to 443 here. Like Go's flags they take {@code --flag=value} as well as {@code --flag value}, and a boolean
 * flag alone means true ({@code --cleanup}), so {@code --daemon=false} turns the daemon off.
 */
@Parameters(separators = "=")
@FlagGroup("Sidecar")
final class SidecarFlags implements Cli.ProgramFlags<SidecarConfig> {
    /** The boolean flags, which take a value only after {@code =}. */
    static final List<String> BOOLEANS = List.of("--setup-iptables", "--cleanup", "--daemon");
    /** Linux interface names: at most 15 bytes (IFNAMSIZ - 1), no slash, colon or blank; no leading dash for ip. */
    private static final Pattern INTERFACE = Pattern.compile("[^-/:\\s][^/:\\s]{0,14}");

    @Parameter(names = "--ip-address", required = true, converter = IpAddressConverter.class,
            description = "Address the apiserver proxy listens on, added to --interface (e.g. 10.96.0.2)")
    InetAddress ipAddress;

    @Parameter(names = "--kubernetes-service-ip-address", converter = IpAddressConverter.class,
            description = "Address of the kubernetes service, also added to --interface (e.g. 10.96.0.1)")
    InetAddress serviceIpAddress;

    @Parameter(names = "--interface", description = "Interface the addresses are added to")
    String device = "lo";

    @Parameter(names = "--port", description = "Port the apiserver proxy listens on (in the iptables rules)")
    int port = 443;

    @Parameter(names = "--setup-iptables", arity = 1,
            description = "Also keep the iptables rules that exempt --ip-address:--port from connection tracking")
    boolean setupIptables;

    @Parameter(names = "--cleanup", arity = 1,
            description = "On SIGTERM, remove the addresses and rules this sidecar added (only those)")
    boolean cleanup;

    @Parameter(names = "--daemon", arity = 1,
            description = "Keep checking every --sync-interval; with --daemon=false set up once and exit")
    boolean daemon = true;

    @Parameter(names = "--sync-interval", converter = DurationConverter.class,
            description = "Time between two checks of the addresses and rules")
    Duration syncInterval = Duration.ofMinutes(1);

    /** Rewrites a boolean flag given alone ({@code --cleanup}) to {@code --cleanup=true}, as Go's flag package reads it. */
    static String[] normalize(String[] args) {
        return Arrays.stream(args).map(arg -> BOOLEANS.contains(arg) ? arg + "=true" : arg).toArray(String[]::new);
    }

    @Override
    public Object[] all() {
        return new Object[] {this};
    }

    @Override
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        LinkFlags.checkPort(problems, "--port", port, 1);
        if (!INTERFACE.matcher(device).matches()) {
            problems.add("--interface '" + device + "' is not an interface name");
        }
        return problems;
    }

    @Override
    public SidecarConfig toConfig() {
        return new SidecarConfig(ipAddress, serviceIpAddress, device, port, setupIptables, cleanup, daemon,
                syncInterval);
    }
}
