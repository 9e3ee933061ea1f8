package io.tunnel.server;

import com.beust.jcommander.Parameter;
import com.beust.jcommander.ParametersDelegate;
import io.tunnel.core.cli.Cli;
import io.tunnel.core.cli.DrainFlags;
import io.tunnel.core.cli.DurationConverter;
import io.tunnel.core.cli.FlagGroup;
import io.tunnel.core.cli.LinkFlags;
import io.tunnel.core.cli.PathConverter;
import io.tunnel.core.protocol.TunnelSettings;
import io.tunnel.core.tls.TlsProvider;
import io.tunnel.core.transport.Transports;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** The server's flags, named after Konnectivity's proxy-server where it has a counterpart. */
final class ServerFlags implements Cli.ProgramFlags<ServerConfig> {

    /** The HTTP CONNECT frontend. */
    @FlagGroup("Frontend (HTTP CONNECT)")
    static final class Frontend {
        @Parameter(names = "--server-port", description = "Port of the HTTP CONNECT frontend")
        int port = 8090;

        @Parameter(names = "--server-bind-address", description = "Address the frontend binds to")
        String bindAddress = "0.0.0.0";

        @Parameter(names = "--server-cert", converter = PathConverter.class,
                description = "Frontend certificate (PEM); with --server-key and --server-ca-cert makes it mTLS")
        Path cert;

        @Parameter(names = "--server-key", converter = PathConverter.class, description = "Frontend private key (PEM)")
        Path key;

        @Parameter(names = "--server-ca-cert", converter = PathConverter.class,
                description = "CA that client certificates must chain to (PEM)")
        Path caCert;

        @Parameter(names = "--allow-plaintext-frontend",
                description = "Serve the frontend without TLS (in-cluster https_proxy=http://...)")
        boolean allowPlaintext;

        @Parameter(names = "--header-timeout", converter = DurationConverter.class,
                description = "Time a client has to send its complete CONNECT request head (on the SNI port: "
                        + "its ClientHello)")
        Duration headerTimeout = Duration.ofSeconds(10);
    }

    /** The port agents connect to. */
    @FlagGroup("Agent port")
    static final class AgentPort {
        @Parameter(names = "--agent-port", description = "Port agents connect to (mTLS, TLS 1.3)")
        int port = 8091;

        @Parameter(names = "--agent-bind-address", description = "Address the agent port binds to")
        String bindAddress = "0.0.0.0";

        @Parameter(names = "--cluster-cert", converter = PathConverter.class, required = true,
                description = "Certificate the server presents to agents (PEM)")
        Path cert;

        @Parameter(names = "--cluster-key", converter = PathConverter.class, required = true,
                description = "Private key of --cluster-cert (PEM)")
        Path key;

        @Parameter(names = "--cluster-ca-cert", converter = PathConverter.class, required = true,
                description = "CA that agent certificates must chain to (PEM)")
        Path caCert;

        @ParametersDelegate
        final LinkFlags link = new LinkFlags();
    }

    /** Limits and timeouts of streams. */
    @FlagGroup("Limits and timeouts")
    static final class Limits {
        @Parameter(names = "--dial-timeout", converter = DurationConverter.class,
                description = "Time to wait for an agent's dial result before answering 504")
        Duration dialTimeout = Duration.ofSeconds(10);

        @Parameter(names = "--agent-dial-timeout", converter = DurationConverter.class,
                description = "Dial timeout the agent is asked to apply to each destination")
        Duration agentDialTimeout = Duration.ofSeconds(5);

        @Parameter(names = "--max-streams-per-agent", description = "Concurrent streams on one agent link")
        int maxStreamsPerAgent = 20_000;

        @Parameter(names = "--max-pending-dials", description = "Dials awaiting a result on one agent link")
        int maxPendingDials = 1_000;

        @Parameter(names = "--io-threads", description = "Event loops for agent links and frontend connections "
                + "(default: one per core)")
        int ioThreads = Transports.ioThreads(Integer.MAX_VALUE);
    }

    /** How CONNECTs are routed to agents (docs/protocol.md §6.9). */
    static final class Routing {
        @Parameter(names = "--proxy-strategies", description = "Ordered, comma-separated: how a CONNECT finds its "
                + "agent; the first strategy with a candidate wins. destHost: the target is one of an agent's host/ipv4/"
                + "ipv6 identifiers; cidr: the target IP lies in one of its cidr identifiers; defaultRoute: agents "
                + "with default-route=true; default: any agent. A request header 'Tunnel-Agent: <id>' overrides them")
        String strategies = ProxyStrategy.DEFAULT_ORDER_TEXT;

        @Parameter(names = "--agent-claims-file", converter = PathConverter.class, description = "File of what each "
                + "agent may claim: lines '<agent id> <identifiers as --agent-identifiers>', # comments. Claims "
                + "beyond it are dropped (logged); an agent not listed may claim nothing")
        Path claimsFile;

        @Parameter(names = "--agent-replicas", description = "Let one agent id hold several links (replicas, chosen "
                + "by load); otherwise a second link with an id already linked is refused")
        boolean agentReplicas;

        private AgentClaims claims;

        /** The claims file, read once; throws with the reason if it cannot be read or parsed. */
        AgentClaims claims() {
            if (claims == null) {
                try {
                    claims = claimsFile == null ? AgentClaims.ANY : AgentClaims.load(claimsFile);
                } catch (IOException e) {
                    throw new IllegalArgumentException("cannot read " + claimsFile + ": " + e, e);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(claimsFile + " " + e.getMessage(), e);
                }
            }
            return claims;
        }

        void check(List<String> problems) {
            try {
                ProxyStrategy.parseList(strategies);
            } catch (IllegalArgumentException e) {
                problems.add("--proxy-strategies: " + e.getMessage());
            }
            try {
                claims();
            } catch (IllegalArgumentException e) {
                problems.add("--agent-claims-file: " + e.getMessage());
            }
        }

        RoutingConfig toConfig() {
            return new RoutingConfig(ProxyStrategy.parseList(strategies), claims(), agentReplicas);
        }
    }

    /** Several servers behind one address (agents link to each), and the drain on SIGTERM. */
    @FlagGroup("Fleet and drain")
    static final class Fleet {
        /** The longest {@code --server-id}: it travels in HELLO_ACK's attributes and labels the agents' metrics. */
        static final int MAX_SERVER_ID_LENGTH = 128;

        @Parameter(names = "--server-id", description = "This server's id, sent to agents, which hold one link per "
                + "server id (default: a random UUID per start)")
        String serverId;

        @Parameter(names = "--server-count", description = "How many servers run behind the agents' address: each "
                + "agent dials it until it holds a link to this many distinct server ids")
        int serverCount = 1;

        @ParametersDelegate
        final DrainFlags drain = new DrainFlags();

        @Parameter(names = "--shutdown-delay-duration", converter = DurationConverter.class,
                description = "After SIGTERM, how long the listeners stay open (and new connections are served) while "
                        + "/readyz answers 503: the time a load balancer in front takes to notice")
        Duration shutdownDelay = Duration.ZERO;
    }

    /** Health, metrics and the TLS implementation. */
    @FlagGroup("Health, metrics and TLS")
    static final class Misc {
        @Parameter(names = "--health-port", description = "Port of /healthz, /readyz and /metrics")
        int healthPort = 8092;

        @Parameter(names = "--health-bind-address", description = "Address the health port binds to")
        String healthBindAddress = "0.0.0.0";

        @Parameter(names = "--frontend-tls-provider", description = "TLS implementation of the frontend, if it "
                + "differs from --tls-provider. With OPENSSL a client's close_notify ends its whole stream "
                + "(no TLS half-close); JDK carries the half-close")
        TlsProvider frontendTlsProvider;
    }

    final Frontend frontend = new Frontend();
    final AgentPort agent = new AgentPort();
    final Limits limits = new Limits();
    final Routing routing = new Routing();
    final Fleet fleet = new Fleet();
    final Misc misc = new Misc();
    final UdsFlags uds = new UdsFlags();
    final CapsFlags caps = new CapsFlags();
    final AccessLogFlags accessLog = new AccessLogFlags();
    final SniFlags sni = new SniFlags();
    final ProxyAuthFlags proxyAuth = new ProxyAuthFlags();

    @Override
    public Object[] all() {
        return new Object[] {frontend, agent, limits, routing, fleet, misc, uds, caps, sni, proxyAuth, accessLog};
    }

    /** Checks what parsing cannot; returns the problems found, empty if none. */
    @Override
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        boolean anyTls = frontend.cert != null || frontend.key != null || frontend.caCert != null;
        boolean allTls = frontend.cert != null && frontend.key != null && frontend.caCert != null;
        if (anyTls && !allTls) {
            problems.add("--server-cert, --server-key and --server-ca-cert go together");
        }
        if (anyTls && frontend.allowPlaintext) {
            problems.add("--allow-plaintext-frontend contradicts --server-cert, --server-key and --server-ca-cert: "
                    + "give either");
        }
        if (!anyTls && !frontend.allowPlaintext && !uds.enabled()) {
            problems.add("the frontend needs --server-cert, --server-key and --server-ca-cert, "
                    + "or --allow-plaintext-frontend, or --uds-name");
        }
        LinkFlags.checkPort(problems, "--server-port", frontend.port, 0);
        LinkFlags.checkPort(problems, "--agent-port", agent.port, 0);
        LinkFlags.checkPort(problems, "--health-port", misc.healthPort, 0);
        if (limits.maxStreamsPerAgent <= 0 || limits.maxPendingDials <= 0 || limits.ioThreads <= 0) {
            problems.add("--max-streams-per-agent, --max-pending-dials and --io-threads must be positive");
        }
        if (fleet.serverId != null && !isServerId(fleet.serverId)) {
            problems.add("--server-id must be 1 to " + Fleet.MAX_SERVER_ID_LENGTH
                    + " printable ASCII characters without spaces");
        }
        if (fleet.serverCount < 1) {
            problems.add("--server-count must be at least 1");
        }
        if (fleet.shutdownDelay.compareTo(fleet.drain.gracefulShutdownTimeout) >= 0) {
            problems.add("--shutdown-delay-duration must be shorter than --graceful-shutdown-timeout");
        }
        agent.link.check(problems);
        routing.check(problems);
        uds.check(problems);
        caps.check(problems, anyTls, frontend.headerTimeout);
        sni.check(problems);
        accessLog.check(problems);
        proxyAuth.check(problems, anyTls, uds.enabled());
        return problems;
    }

    @Override
    public ServerConfig toConfig() {
        ServerConfig.TlsFiles frontendTls = frontend.cert == null ? null
                : new ServerConfig.TlsFiles(frontend.cert, frontend.key, frontend.caCert);
        LinkFlags link = agent.link;
        TunnelSettings settings = link.settings(limits.maxStreamsPerAgent);
        // With --uds-name alone (no TLS files, no --allow-plaintext-frontend) the Unix socket is the only frontend.
        boolean tcpFrontend = frontendTls != null || frontend.allowPlaintext;
        return new ServerConfig(
                tcpFrontend ? new InetSocketAddress(frontend.bindAddress, frontend.port) : null, frontendTls,
                new InetSocketAddress(agent.bindAddress, agent.port),
                new ServerConfig.TlsFiles(agent.cert, agent.key, agent.caCert),
                new InetSocketAddress(misc.healthBindAddress, misc.healthPort),
                link.tlsProvider, misc.frontendTlsProvider == null ? link.tlsProvider : misc.frontendTlsProvider,
                frontend.headerTimeout, limits.dialTimeout, limits.agentDialTimeout,
                limits.maxStreamsPerAgent, limits.maxPendingDials, limits.ioThreads, settings, link.keepaliveTimeout,
                routing.toConfig(),
                fleet.serverId == null ? UUID.randomUUID().toString() : fleet.serverId, fleet.serverCount,
                fleet.drain.gracefulShutdownTimeout, fleet.shutdownDelay, uds.toConfig(), caps.toConfig(),
                sni.toConfig(), proxyAuth.toConfig(), accessLog.toConfig());
    }

    private static boolean isServerId(String id) {
        return !id.isEmpty() && id.length() <= Fleet.MAX_SERVER_ID_LENGTH
                && id.chars().allMatch(c -> c > 0x20 && c < 0x7F);
    }
}
