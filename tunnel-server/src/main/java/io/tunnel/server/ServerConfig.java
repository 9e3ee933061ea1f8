package io.tunnel.server;

import io.tunnel.core.protocol.TunnelSettings;
import io.tunnel.core.tls.TlsProvider;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Everything a {@link TunnelServer} needs, fixed before it starts.
 *
 * @param frontendAddress   where HTTP CONNECT clients connect
 * @param frontendTls       certificate, key and client CA of the frontend; {@code null} for a plaintext frontend
 * @param agentAddress      where agents connect
 * @param agentTls          certificate, key and cluster CA of the agent port
 * @param healthAddress     where {@code /healthz}, {@code /readyz} and {@code /metrics} are served
 * @param tlsProvider       TLS implementation of the agent port
 * @param frontendTlsProvider TLS implementation of the frontend
 * @param headerTimeout     time a client has to send its complete CONNECT head
 * @param dialTimeout       time the server waits for an agent's DIAL_RESULT
 * @param agentDialTimeout  dial timeout the server asks the agent to apply
 * @param maxStreamsPerAgent concurrent streams on one agent link
 * @param maxPendingDials   dials awaiting a result on one agent link
 * @param linkSettings      settings the server announces to agents (frame size, window, keep-alive)
 * @param keepaliveTimeout  silence after which an agent link is considered dead
 * @param routing           how CONNECTs are routed to agents: strategies, claims, replicas
 * @param proxyAuth         how frontend clients authenticate: client certificates, proxy credentials
 */
public record ServerConfig(
        InetSocketAddress frontendAddress,
        TlsFiles frontendTls,
        InetSocketAddress agentAddress,
        TlsFiles agentTls,
        InetSocketAddress healthAddress,
        TlsProvider tlsProvider,
        TlsProvider frontendTlsProvider,
        Duration headerTimeout,
        Duration dialTimeout,
        Duration agentDialTimeout,
        int maxStreamsPerAgent,
        int maxPendingDials,
        TunnelSettings linkSettings,
        Duration keepaliveTimeout,
        RoutingConfig routing,
        ProxyAuthConfig proxyAuth) {

    /** A certificate, its key and the CA that peers' certificates must chain to. */
    public record TlsFiles(Path cert, Path key, Path caCert) {
    }
}
