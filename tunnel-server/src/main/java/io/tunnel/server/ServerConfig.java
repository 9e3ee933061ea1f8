package io.tunnel.server;

import io.tunnel.core.protocol.TunnelSettings;
import io.tunnel.core.tls.TlsProvider;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Everything a {@link TunnelServer} needs, fixed before it starts.
 *
 * @param frontendAddress   where HTTP CONNECT clients connect over TCP; {@code null} if only on the Unix socket
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
 * @param ioThreads         event loops for agent links and frontend connections
 * @param linkSettings      settings the server announces to agents (frame size, window, keep-alive)
 * @param keepaliveTimeout  silence after which an agent link is considered dead
 * @param routing           how CONNECTs are routed to agents: strategies, claims, replicas
 * @param serverId          this server's id, sent to agents in HELLO_ACK (they hold one link per server id)
 * @param serverCount       how many servers agents should hold links to, sent in HELLO_ACK
 * @param gracefulShutdownTimeout how long established streams may go on after SIGTERM before the server exits
 * @param shutdownDelay     after SIGTERM, how long the listeners stay open while {@code /readyz} says 503
 * @param uds               the frontend on a Unix domain socket, or {@code null}
 * @param caps              caps on connections and the frontend's TLS handshake timeout
 * @param sni               the SNI passthrough frontend; {@code null} without one
 * @param proxyAuth         how frontend clients authenticate: client certificates, proxy credentials
 * @param accessLog         the access log's optional lines (on open, progress)
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
        int ioThreads,
        TunnelSettings linkSettings,
        Duration keepaliveTimeout,
        RoutingConfig routing,
        String serverId,
        int serverCount,
        Duration gracefulShutdownTimeout,
        Duration shutdownDelay,
        UdsConfig uds,
        CapsConfig caps,
        SniConfig sni,
        ProxyAuthConfig proxyAuth,
        AccessLogConfig accessLog) {

    /** A certificate, its key and the CA that peers' certificates must chain to. */
    public record TlsFiles(Path cert, Path key, Path caCert) {
        /** The files, watched for rotation. */
        public List<Path> files() {
            return List.of(cert, key, caCert);
        }
    }
}
