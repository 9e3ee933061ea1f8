package io.tunnel.server;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.tunnel.core.tls.TlsFailureCause;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The server's Prometheus metrics, registered in a registry of its own (no global state). What every stream counts
 * keeps its series at hand ({@link ByStatus}, {@link #bytesUp}), without a lookup by label values per stream, and
 * samples no exemplars (there is no trace to link them to).
 */
public final class ServerMetrics {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final ByStatus streams;
    private final ByStatus forwarded;
    private final Counter bytes;
    // The series of each direction, made when the first stream ends (so /metrics shows none before): any thread.
    private volatile CounterDataPoint bytesUp;
    private volatile CounterDataPoint bytesDown;
    private final Counter tlsHandshakeFailures;
    private final Counter authenticated;
    private final Counter proxyAuthFailures;
    private final AtomicLong openStreams = new AtomicLong();

    public ServerMetrics(AgentRegistry agents) {
        streams = new ByStatus(Counter.builder().name("tunnel_server_connect_requests_total")
                .help("CONNECT requests answered, by HTTP status").labelNames("status").withoutExemplars()
                .register(registry));
        forwarded = new ByStatus(Counter.builder().name("tunnel_server_forwarded_requests_total")
                .help("Absolute-form (http_proxy) requests answered, by HTTP status (the destination's, or the "
                        + "proxy's own)").labelNames("status").withoutExemplars().register(registry));
        bytes = Counter.builder().name("tunnel_server_stream_bytes_total")
                .help("Bytes relayed by ended streams, by direction").labelNames("direction").withoutExemplars()
                .register(registry);
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
        (connect ? streams : forwarded).of(status).inc();
        CounterDataPoint upSeries = bytesUp;
        CounterDataPoint downSeries = bytesDown;
        if (upSeries == null || downSeries == null) {
            upSeries = bytes.labelValues("up");
            downSeries = bytes.labelValues("down");
            bytesUp = upSeries;
            bytesDown = downSeries;
        }
        upSeries.inc(up);
        downSeries.inc(down);
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
        (connect ? streams : forwarded).of(response.status()).inc();
    }

    /** A counter's series by HTTP status, each made when first counted and then kept; any thread. */
    private static final class ByStatus {
        /** Statuses are three digits: 100 to 599, and 0 to 999 as a parser may pass them on. */
        private static final int STATUSES = 1000;

        private final Counter counter;
        private final AtomicReferenceArray<CounterDataPoint> series = new AtomicReferenceArray<>(STATUSES);

        ByStatus(Counter counter) {
            this.counter = counter;
        }

        CounterDataPoint of(int status) {
            if (status < 0 || status >= STATUSES) {
                return counter.labelValues(Integer.toString(status));
            }
            CounterDataPoint point = series.get(status);
            if (point == null) { // made twice at worst, by two threads: the counter hands both the same series
                point = counter.labelValues(Integer.toString(status));
                series.set(status, point);
            }
            return point;
        }
    }
}
