package io.tunnel.server;

import java.time.Duration;

/**
 * How many connections the server holds at once, and how long a frontend TLS handshake may take. Above a cap a new
 * connection is closed at once ({@link ConnectionCaps}).
 *
 * @param maxFrontendConnections      open frontend connections, TCP and Unix socket together
 * @param maxFrontendConnectionsPerIp open frontend TCP connections from one client address; 0 = no cap
 * @param maxConcurrentHandshakes     frontend TLS handshakes in progress (from the client's first byte to the end)
 * @param frontendHandshakeTimeout    time from a frontend connection's start to the end of its TLS handshake
 * @param maxAgentLinks               open connections on the agent port, linked or still in their handshake
 */
public record CapsConfig(int maxFrontendConnections, int maxFrontendConnectionsPerIp, int maxConcurrentHandshakes,
                         Duration frontendHandshakeTimeout, int maxAgentLinks) {
    public static final int DEFAULT_MAX_FRONTEND_CONNECTIONS = 50_000;
    public static final int DEFAULT_MAX_CONCURRENT_HANDSHAKES = 1_024;
    public static final Duration DEFAULT_FRONTEND_HANDSHAKE_TIMEOUT = Duration.ofSeconds(5);
    public static final int DEFAULT_MAX_AGENT_LINKS = 1_000;
    /** The value of {@link #maxFrontendConnectionsPerIp} that turns that cap off. */
    public static final int NO_CAP = 0;

    public static final CapsConfig DEFAULT = new CapsConfig(DEFAULT_MAX_FRONTEND_CONNECTIONS, NO_CAP,
            DEFAULT_MAX_CONCURRENT_HANDSHAKES, DEFAULT_FRONTEND_HANDSHAKE_TIMEOUT, DEFAULT_MAX_AGENT_LINKS);
}
