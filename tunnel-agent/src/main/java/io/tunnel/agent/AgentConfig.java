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
 * @param serverHost        host name or address of the server's agent port, also checked against its certificate
 * @param serverPort        the server's agent port
 * @param caCert            CA the server's certificate must chain to
 * @param agentCert         this agent's client certificate (its identity)
 * @param agentKey          the key of {@code agentCert}
 * @param healthAddress     where {@code /healthz}, {@code /readyz} and {@code /metrics} are served
 * @param tlsProvider       TLS implementation
 * @param dialTimeout       upper bound on resolving and connecting to a destination
 * @param maxStreams        concurrent streams this agent accepts
 * @param resolverThreads   threads that resolve names (the system resolver blocks, so never on an event loop)
 * @param linkSettings      settings announced to the server
 * @param keepaliveTimeout  silence after which the link is considered dead
 * @param reconnectInitial  first reconnect delay; doubles up to {@code reconnectMax}, with jitter
 * @param reconnectMax      cap of the reconnect delay
 * @param allowDestinations destinations the agent may dial (empty: all but the denied ones)
 * @param denyDestinations  destinations the agent never dials
 * @param identifiers       what this agent says it can reach (HELLO's attributes); the server routes by them
 */
public record AgentConfig(
        String serverHost,
        int serverPort,
        Path caCert,
        Path agentCert,
        Path agentKey,
        InetSocketAddress healthAddress,
        TlsProvider tlsProvider,
        Duration dialTimeout,
        int maxStreams,
        int resolverThreads,
        TunnelSettings linkSettings,
        Duration keepaliveTimeout,
        Duration reconnectInitial,
        Duration reconnectMax,
        List<DestinationRule> allowDestinations,
        List<DestinationRule> denyDestinations,
        AgentIdentifiers identifiers) {
}
