package io.tunnel.agent;

import io.tunnel.agent.policy.DestinationRule;
import io.tunnel.core.protocol.AgentIdentifiers;
import io.tunnel.core.protocol.TunnelSettings;
import io.tunnel.core.tls.TlsProvider;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Everything a {@link TunnelAgent} needs, fixed before it starts.
 *
 * @param serverHosts       host names or addresses of the servers' agent port (typically one, a load balancer in
 *                          front of them all), dialled in turn; each also checked against the server's certificate
 * @param serverPort        the servers' agent port
 * @param caCert            CA the server's certificate must chain to
 * @param agentCert         this agent's client certificate (its identity)
 * @param agentKey          the key of {@code agentCert}
 * @param healthAddress     where {@code /healthz}, {@code /readyz} and {@code /metrics} are served
 * @param tlsProvider       TLS implementation
 * @param dialTimeout       upper bound on resolving and connecting to a destination
 * @param maxStreams        concurrent streams this agent accepts
 * @param resolverThreads   threads that resolve names (the system resolver blocks, so never on an event loop)
 * @param ioThreads         event loops (a link and its destinations' sockets share one)
 * @param linkSettings      settings announced to the server
 * @param keepaliveTimeout  silence after which the link is considered dead
 * @param syncInterval      first delay between two link attempts; × 1.5 after each failure, with jitter
 * @param syncIntervalCap   cap of the delay between link attempts
 * @param syncForever       keep dialling after the server count is reached, to find servers that appear later
 * @param gracefulShutdownTimeout how long established streams may go on after SIGTERM before the agent exits
 * @param allowDestinations destinations the agent may dial (empty: all but the denied ones)
 * @param denyDestinations  destinations the agent never dials
 * @param identifiers       what this agent says it can reach (HELLO's attributes); the server routes by them
 * @param reconnectOnRotation replace every link when the TLS files change, rather than only new links using them
 */
public record AgentConfig(
        List<String> serverHosts,
        int serverPort,
        Path caCert,
        Path agentCert,
        Path agentKey,
        InetSocketAddress healthAddress,
        TlsProvider tlsProvider,
        Duration dialTimeout,
        int maxStreams,
        int resolverThreads,
        int ioThreads,
        TunnelSettings linkSettings,
        Duration keepaliveTimeout,
        Duration syncInterval,
        Duration syncIntervalCap,
        boolean syncForever,
        Duration gracefulShutdownTimeout,
        List<DestinationRule> allowDestinations,
        List<DestinationRule> denyDestinations,
        AgentIdentifiers identifiers,
        boolean reconnectOnRotation) {

    public AgentConfig {
        serverHosts = List.copyOf(serverHosts);
        allowDestinations = List.copyOf(allowDestinations);
        denyDestinations = List.copyOf(denyDestinations);
    }

    /** The TLS files, watched for rotation. */
    List<Path> tlsFiles() {
        return List.of(agentCert, agentKey, caCert);
    }

    /** Each server host with the port, in the order they are dialled. */
    List<ServerAddress> serverAddresses() {
        return serverHosts.stream().map(host -> new ServerAddress(host, serverPort)).toList();
    }
}
