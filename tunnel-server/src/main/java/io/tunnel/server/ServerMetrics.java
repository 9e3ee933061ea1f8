package io.tunnel.server;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tunnel.core.tls.TlsFailureCause;
import java.util.concurrent.atomic.AtomicLong;

/** The server's Prometheus metrics, registered in a registry of its own (no global state). */
public final class ServerMetrics {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter streams;
    private final Counter forwarded;
    private final Counter bytes;
    private final Counter tlsHandshakeFailures;
    private final Counter authenticated;
    private final Counter proxyAuthFailures;
    private final AtomicLong openStreams = new AtomicLong();

    public ServerMetrics(AgentRegistry agents) {
        streams = Counter.builder().name("tunnel_server_connect_requests_total")
                .help("CONNECT requests answered, by HTTP status").labelNames("status").register(registry);
        forwarded = Counter.builder().name("tunnel_server_forwarded_requests_total")
                .help("Absolute-form (http_proxy) requests answered, by HTTP status (the destination's, or the "
                        + "proxy's own)").labelNames("status").register(registry);
        bytes = Counter.builder().name("tunnel_server_stream_bytes_total")
                .help("Bytes relayed by ended streams, by direction").labelNames("direction").register(registry);
        tlsHandshakeFailures = Counter.builder().name("tunnel_server_tls_handshake_failures_total")
                .help("Connections whose TLS handshake failed, by port (frontend, agent) and cause")
                .labelNames("port", "cause").register(registry);
        // One series per identity that authenticated: bounded by the users, tokens and certificates the operator made.
        authenticated = Counter.builder().name("tunnel_server_authenticated_requests_total")
                .help("CONNECT requests whose client was identified, by method (certificate, basic, bearer) and "
                        + "identity (certificate subject, user or token name)")
                .labelNames("method", "identity").register(registry);
        proxyAuthFailures = Counter.builder().name("tunnel_server_proxy_auth_failures_total")
                .help("CONNECT requests refused by proxy authentication, by cause").labelNames("cause")
                .register(registry);
        GaugeWithCallback.builder().name("tunnel_server_open_streams").help("Streams dialling or open")
                .callback(cb -> cb.call(openStreams.get())).register(registry);
        GaugeWithCallback.builder().name("tunnel_server_stream_unwritten_bytes")
                .help("Bytes from agents queued on client sockets and not yet written (bounded by the windows)")
                .callback(cb -> cb.call(agents.all().stream().mapToLong(l -> l.link().unwrittenBytes()).sum()))
                .register(registry);
        GaugeWithCallback.builder().name("tunnel_server_stream_unsent_bytes")
                .help("Bytes read from client sockets that wait for stream credit")
                .callback(cb -> cb.call(agents.all().stream().mapToLong(l -> l.link().unsentBytes()).sum()))
                .register(registry);
        GaugeWithCallback.builder().name("tunnel_server_agents").help("Agent links connected")
                .callback(cb -> cb.call(agents.size())).register(registry);
        // One series per agent id linked now: bounded by the agents the cluster CA certified, gone when unlinked.
        GaugeWithCallback.builder().name("tunnel_server_agent_open_streams")
                .help("Streams dialling or open per linked agent (its replicas together)").labelNames("agent")
                .callback(cb -> agents.byAgent().forEach((id, links) ->
                        cb.call(links.stream().mapToInt(l -> l.link().openStreams()).sum(), id)))
                .register(registry);
    }

    public PrometheusRegistry registry() {
        return registry;
    }

    void streamStarted() {
        openStreams.incrementAndGet();
    }

    /** A stream ended: a CONNECT's ({@code connect}) or a forwarded request's, answered {@code status}. */
    void streamEnded(boolean connect, int status, long up, long down) {
        openStreams.decrementAndGet();
        (connect ? streams : forwarded).labelValues(Integer.toString(status)).inc();
        bytes.labelValues("up").inc(up);
        bytes.labelValues("down").inc(down);
    }

    void tlsHandshakeFailed(String port, TlsFailureCause cause) {
        tlsHandshakeFailures.labelValues(port, cause.label()).inc();
    }

    void authenticated(ProxyIdentity identity) {
        authenticated.labelValues(identity.method(), identity.name()).inc();
    }

    void proxyAuthFailed(ProxyAuthFailure failure) {
        proxyAuthFailures.labelValues(failure.label()).inc();
    }

    /** A stream whose dial went to another link: no answer of its own. */
    void streamWithdrawn() {
        openStreams.decrementAndGet();
    }

    /** A request refused before any stream: a CONNECT or one not understood ({@code connect}), or a forwarded one. */
    void refused(boolean connect, ProxyResponse response) {
        (connect ? streams : forwarded).labelValues(Integer.toString(response.status())).inc();
    }
}
