package io.tunnel.server;

import io.tunnel.core.log.RateLimitedLog;
import io.tunnel.core.tls.TlsFailureCause;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;

/**
 * Connections refused before they became a link or a CONNECT, which anyone who reaches a port can cause: each is
 * counted in the metrics, and logged rate-limited ({@link RateLimitedLog}), so garbage on a port cannot flood the log.
 */
final class HandshakeFailures {
    /** One full line per cause and port in this interval; the rest are counted in a summary line. */
    static final Duration LOG_INTERVAL = Duration.ofSeconds(10);
    static final String FRONTEND = "frontend";
    static final String AGENT = "agent";

    /** Why an agent connection that completed TLS was refused. */
    enum AgentRefusal {
        CERTIFICATE("agent connections refused for a certificate without clientAuth usage or agent id"),
        NO_HELLO("agent connections refused for a first frame other than HELLO"),
        VERSION("agent connections refused for another protocol version"),
        TIMEOUT("agent connections without a handshake in time"),
        ERROR("agent connections closed by an error during the handshake");

        private final String description;

        AgentRefusal(String description) {
            this.description = description;
        }

        @Override
        public String toString() {
            return description;
        }
    }

    private final ServerMetrics metrics;
    private final RateLimitedLog<TlsFailureCause> frontendTls = new RateLimitedLog<>(
            LogManager.getLogger(FrontendTlsHandshakeHandler.class), Level.INFO, TlsFailureCause.class, LOG_INTERVAL);
    private final RateLimitedLog<TlsFailureCause> agentTls = new RateLimitedLog<>(
            LogManager.getLogger(ServerHandshakeHandler.class), Level.WARN, TlsFailureCause.class, LOG_INTERVAL);
    private final RateLimitedLog<AgentRefusal> agentRefusals = new RateLimitedLog<>(
            LogManager.getLogger(ServerHandshakeHandler.class), Level.WARN, AgentRefusal.class, LOG_INTERVAL);

    HandshakeFailures(ServerMetrics metrics) {
        this.metrics = metrics;
    }

    /** Counts a failed TLS handshake on {@code port}; {@code true} if the caller should log it. */
    boolean tlsFailed(String port, TlsFailureCause cause) {
        metrics.tlsHandshakeFailed(port, cause);
        return (port.equals(FRONTEND) ? frontendTls : agentTls).admit(cause);
    }

    /** Counts an agent connection refused after TLS; {@code true} if the caller should log it. */
    boolean agentRefused(AgentRefusal why) {
        return agentRefusals.admit(why);
    }

    /** Starts the summary lines, on {@code executor}. */
    void scheduleReports(ScheduledExecutorService executor) {
        frontendTls.scheduleReports(executor);
        agentTls.scheduleReports(executor);
        agentRefusals.scheduleReports(executor);
    }
}
