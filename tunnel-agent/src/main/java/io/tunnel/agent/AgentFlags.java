package io.tunnel.agent;

import com.beust.jcommander.Parameter;
import io.tunnel.core.cli.Cli;
import io.tunnel.core.cli.DurationConverter;
import io.tunnel.core.cli.PathConverter;
import io.tunnel.core.protocol.ProtocolConstants;
import io.tunnel.core.protocol.TunnelSettings;
import io.tunnel.core.tls.TlsProvider;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The agent's flags, named after Konnectivity's proxy-agent where it has a counterpart. */
final class AgentFlags implements Cli.ProgramFlags<AgentConfig> {

    /** How to reach and authenticate to the server. */
    static final class Server {
        @Parameter(names = "--proxy-server-host", description = "Host of the server's agent port (checked against its certificate)")
        String host = "127.0.0.1";

        @Parameter(names = "--proxy-server-port", description = "The server's agent port")
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

        @Parameter(names = "--keepalive-time", converter = DurationConverter.class,
                description = "Ping the server after this long without sending")
        Duration keepalive = Duration.ofMillis(TunnelSettings.DEFAULT_KEEPALIVE_MILLIS);

        @Parameter(names = "--keepalive-timeout", converter = DurationConverter.class,
                description = "Drop the link after this long without receiving anything")
        Duration keepaliveTimeout = Duration.ofSeconds(30);

        @Parameter(names = "--sync-interval", converter = DurationConverter.class,
                description = "First delay before reconnecting; doubles after each failure")
        Duration reconnectInitial = Duration.ofSeconds(1);

        @Parameter(names = "--sync-interval-cap", converter = DurationConverter.class,
                description = "Longest delay between reconnection attempts")
        Duration reconnectMax = Duration.ofSeconds(10);
    }

    /** Destinations. */
    static final class Dial {
        @Parameter(names = "--dial-timeout", converter = DurationConverter.class,
                description = "Longest time to resolve and connect to a destination")
        Duration dialTimeout = Duration.ofSeconds(5);

        @Parameter(names = "--max-streams", description = "Concurrent streams this agent accepts")
        int maxStreams = 20_000;

        @Parameter(names = "--resolver-threads", description = "Threads resolving destination names")
        int resolverThreads = 16;

        @Parameter(names = "--initial-window", description = "Initial per-stream receive window in bytes")
        int initialWindow = ProtocolConstants.DEFAULT_INITIAL_WINDOW;
    }

    /** Health, metrics and the TLS implementation. */
    static final class Misc {
        @Parameter(names = "--health-server-port", description = "Port of /healthz, /readyz and /metrics")
        int healthPort = 8093;

        @Parameter(names = "--health-server-bind-address", description = "Address the health port binds to")
        String healthBindAddress = "0.0.0.0";

        @Parameter(names = "--tls-provider", description = "TLS implementation: AUTO (OpenSSL if available), OPENSSL, JDK")
        TlsProvider tlsProvider = TlsProvider.AUTO;
    }

    final Server server = new Server();
    final Dial dial = new Dial();
    final Misc misc = new Misc();

    @Override
    public Object[] all() {
        return new Object[] {server, dial, misc};
    }

    @Override
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (server.port < 1 || server.port > 65535) {
            problems.add("--proxy-server-port must be in [1, 65535]");
        }
        if (misc.healthPort < 0 || misc.healthPort > 65535) {
            problems.add("--health-server-port must be in [0, 65535]");
        }
        if (dial.maxStreams <= 0 || dial.resolverThreads <= 0) {
            problems.add("--max-streams and --resolver-threads must be positive");
        }
        if (dial.initialWindow < ProtocolConstants.MIN_INITIAL_WINDOW) {
            problems.add("--initial-window must be at least " + ProtocolConstants.MIN_INITIAL_WINDOW);
        }
        if (server.keepaliveTimeout.compareTo(server.keepalive) <= 0) {
            problems.add("--keepalive-timeout must be longer than --keepalive-time");
        }
        return problems;
    }

    @Override
    public AgentConfig toConfig() {
        TunnelSettings settings = TunnelSettings.DEFAULT
                .withInitialWindow(dial.initialWindow)
                .withKeepaliveMillis((int) server.keepalive.toMillis())
                .withMaxStreams(dial.maxStreams);
        return new AgentConfig(server.host, server.port, server.caCert, server.agentCert, server.agentKey,
                new InetSocketAddress(misc.healthBindAddress, misc.healthPort), misc.tlsProvider, dial.dialTimeout,
                dial.maxStreams, dial.resolverThreads, settings, server.keepaliveTimeout, server.reconnectInitial,
                server.reconnectMax);
    }
}
