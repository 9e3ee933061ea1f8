package io.tunnel.server;

import com.beust.jcommander.Parameter;
import io.tunnel.core.cli.DurationConverter;
import io.tunnel.core.cli.FlagGroup;
import java.time.Duration;
import java.util.List;

/** Caps on connections and on frontend TLS handshakes ({@link CapsConfig}). */
@FlagGroup("Connection caps")
final class CapsFlags {
    @Parameter(names = "--max-frontend-connections", description = "Open frontend connections (TCP and Unix socket "
            + "together); one more is closed at once, plaintext with a 503")
    int maxFrontendConnections = CapsConfig.DEFAULT_MAX_FRONTEND_CONNECTIONS;

    @Parameter(names = "--max-frontend-connections-per-ip", description = "Open frontend TCP connections from one "
            + "client address; 0: no cap")
    int maxFrontendConnectionsPerIp = CapsConfig.NO_CAP;

    @Parameter(names = "--max-concurrent-handshakes", description = "Frontend TLS handshakes in progress (from the "
            + "client's first byte); a connection starting one more is closed")
    int maxConcurrentHandshakes = CapsConfig.DEFAULT_MAX_CONCURRENT_HANDSHAKES;

    @Parameter(names = "--frontend-handshake-timeout", converter = DurationConverter.class, description = "Time from "
            + "a frontend connection's start to the end of its TLS handshake; shorter than --header-timeout")
    Duration frontendHandshakeTimeout = CapsConfig.DEFAULT_FRONTEND_HANDSHAKE_TIMEOUT;

    @Parameter(names = "--max-agent-links", description = "Open connections on the agent port, linked or in their "
            + "handshake; one more is closed at once")
    int maxAgentLinks = CapsConfig.DEFAULT_MAX_AGENT_LINKS;

    /**
     * Adds what is wrong with these flags to {@code problems}. On a TLS frontend ({@code tlsFrontend}) the handshake must
     * end before {@code headerTimeout}, which counts from the connection's start too.
     */
    void check(List<String> problems, boolean tlsFrontend, Duration headerTimeout) {
        if (maxFrontendConnections <= 0 || maxConcurrentHandshakes <= 0 || maxAgentLinks <= 0) {
            problems.add("--max-frontend-connections, --max-concurrent-handshakes and --max-agent-links must be "
                    + "positive");
        }
        if (maxFrontendConnectionsPerIp < 0) {
            problems.add("--max-frontend-connections-per-ip must be positive, or 0 for no cap");
        }
        if (tlsFrontend && frontendHandshakeTimeout.compareTo(headerTimeout) >= 0) {
            problems.add("--frontend-handshake-timeout must be shorter than --header-timeout (" + headerTimeout.toMillis()
                    + " ms), which counts from the connection's start too");
        }
    }

    CapsConfig toConfig() {
        return new CapsConfig(maxFrontendConnections, maxFrontendConnectionsPerIp, maxConcurrentHandshakes,
                frontendHandshakeTimeout, maxAgentLinks);
    }
}
