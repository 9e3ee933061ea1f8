package io.tunnel.agent;

import com.beust.jcommander.Parameter;
import com.beust.jcommander.ParametersDelegate;
import io.tunnel.agent.policy.DestinationFlags;
import io.tunnel.core.cli.Cli;
import io.tunnel.core.cli.DrainFlags;
import io.tunnel.core.cli.DurationConverter;
import io.tunnel.core.cli.FlagGroup;
import io.tunnel.core.cli.LinkFlags;
import io.tunnel.core.cli.PathConverter;
import io.tunnel.core.protocol.AgentIdentifiers;
import io.tunnel.core.protocol.HelloAttributes;
import io.tunnel.core.transport.Transports;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The agent's flags, named after Konnectivity's proxy-agent where it has a counterpart. */
final class AgentFlags implements Cli.ProgramFlags<AgentConfig> {

    /** How to reach and authenticate to the server. */
    @FlagGroup("Server (where the agent links to)")
    static final class Server {
        @Parameter(names = "--proxy-server-host", description = "Host of the servers' agent port, checked against their "
                + "certificates: typically one address in front of all servers; a comma-separated list is dialled in turn")
        String host = "127.0.0.1";

        @Parameter(names = "--proxy-server-port", description = "The servers' agent port")
        int port = 8091;

        @Parameter(names = "--ca-cert", converter = PathConverter.class, required = true,
                description = "CA the server's certificate must chain to (PEM)")
        Path caCert;

        @Parameter(names = "--agent-cert", converter = PathConverter.class, required = true,
                description = "This agent's client certificate (PEM); its SAN URI urn:tunnel:agent:<id> or CN is the agent id")
        Path agentCert;

        @Parameter(names = "--agent-key", converter = PathConverter.class, required = true,
                description = "Private key of --agent-cert (PEM)")
        Path agentKey;

        @Parameter(names = "--reconnect-on-rotation", description = "When the certificate, key or CA files change, "
                + "replace every link by one made with the new material (their streams go on); without it only new "
                + "links use it")
        boolean reconnectOnRotation;

        @ParametersDelegate
        final LinkFlags link = new LinkFlags();

        /** The hosts of {@link #host}, in order; empty entries make {@link AgentFlags#problems()} complain. */
        List<String> hosts() {
            return Arrays.stream(host.split(",", -1)).map(String::trim).toList();
        }
    }

    /** Links to every server of a set (Konnectivity's sync loop), and the drain on SIGTERM. */
    @FlagGroup("Server set (several servers behind one address) and drain")
    static final class Fleet {
        @Parameter(names = "--sync-interval", converter = DurationConverter.class,
                description = "Delay between two link attempts while the agent holds fewer links than the servers "
                        + "said there are; × 1.5 after each failure")
        Duration syncInterval = Duration.ofSeconds(1);

        @Parameter(names = "--sync-interval-cap", converter = DurationConverter.class,
                description = "Longest delay between two link attempts")
        Duration syncIntervalCap = Duration.ofSeconds(10);

        @Parameter(names = "--sync-forever",
                description = "Keep dialling after every server is linked, to find servers that appear later")
        boolean syncForever;

        @ParametersDelegate
        final DrainFlags drain = new DrainFlags();
    }

    /** Destinations. */
    @FlagGroup("Destinations")
    static final class Dial {
        /** Event loops by default on a machine with more cores: enough for the links of a small server fleet. */
        static final int MAX_DEFAULT_IO_THREADS = 4;

        @Parameter(names = "--dial-timeout", converter = DurationConverter.class,
                description = "Longest time to resolve and connect to a destination")
        Duration dialTimeout = Duration.ofSeconds(5);

        @Parameter(names = "--max-streams", description = "Concurrent streams this agent accepts")
        int maxStreams = 20_000;

        @Parameter(names = "--resolver-threads", description = "Most threads resolving destination names at once "
                + "(made as lookups overlap, let go after a minute idle)")
        int resolverThreads = 16;

        @Parameter(names = "--io-threads", description = "Event loops: a link and its destinations' sockets share "
                + "one, so more than the servers linked to only idle (default: the cores, at most "
                + MAX_DEFAULT_IO_THREADS + ")")
        int ioThreads = Transports.ioThreads(MAX_DEFAULT_IO_THREADS);
    }

    /** What the server may route to this agent (docs/protocol.md §6.9). */
    @FlagGroup("Routing")
    static final class Routing {
        @Parameter(names = "--agent-identifiers", description = "What this agent reaches, sent to the server for "
                + "routing, e.g. host=db.internal&ipv4=10.0.0.5&ipv6=fd00::5&cidr=10.0.0.0/16&default-route=true "
                + "(each key repeatable)")
        String identifiers = "";

        void check(List<String> problems) {
            try {
                HelloAttributes.check(AgentIdentifiers.parse(identifiers).format());
            } catch (IllegalArgumentException e) {
                problems.add("--agent-identifiers: " + e.getMessage());
            }
        }
    }

    /** Health and metrics. */
    @FlagGroup("Health and metrics")
    static final class Misc {
        @Parameter(names = "--health-server-port", description = "Port of /healthz, /readyz and /metrics")
        int healthPort = 8093;

        @Parameter(names = "--health-server-bind-address", description = "Address the health port binds to")
        String healthBindAddress = "0.0.0.0";
    }

    final Server server = new Server();
    final Fleet fleet = new Fleet();
    final Dial dial = new Dial();
    final DestinationFlags destinations = new DestinationFlags();
    final Routing routing = new Routing();
    final Misc misc = new Misc();

    @Override
    public Object[] all() {
        return new Object[] {server, fleet, dial, routing, destinations, misc};
    }

    @Override
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (server.hosts().contains("")) {
            problems.add("--proxy-server-host must be a host, or hosts separated by commas");
        }
        LinkFlags.checkPort(problems, "--proxy-server-port", server.port, 1);
        LinkFlags.checkPort(problems, "--health-server-port", misc.healthPort, 0);
        if (dial.maxStreams <= 0 || dial.resolverThreads <= 0 || dial.ioThreads <= 0) {
            problems.add("--max-streams, --resolver-threads and --io-threads must be positive");
        }
        if (fleet.syncIntervalCap.compareTo(fleet.syncInterval) < 0) {
            problems.add("--sync-interval-cap must not be shorter than --sync-interval");
        }
        server.link.check(problems);
        destinations.check(problems);
        routing.check(problems);
        return problems;
    }

    @Override
    public AgentConfig toConfig() {
        LinkFlags link = server.link;
        return new AgentConfig(server.hosts(), server.port, server.caCert, server.agentCert, server.agentKey,
                new InetSocketAddress(misc.healthBindAddress, misc.healthPort), link.tlsProvider, dial.dialTimeout,
                dial.maxStreams, dial.resolverThreads, dial.ioThreads, link.settings(dial.maxStreams), link.keepaliveTimeout,
                fleet.syncInterval, fleet.syncIntervalCap, fleet.syncForever, fleet.drain.gracefulShutdownTimeout,
                destinations.allowRules(), destinations.denyRules(), AgentIdentifiers.parse(routing.identifiers),
                server.reconnectOnRotation);
    }
}
