package io.tunnel.core.rotation;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/** Counts reloads of TLS material in {@code /metrics}, by context and result ({@code reloaded} or {@code refused}). */
public final class TlsReloadCounter implements ReloadingTls.Listener {
    private final Counter reloads;

    /** @param name the counter's name, e.g. {@code tunnel_server_tls_reloads_total} */
    public TlsReloadCounter(PrometheusRegistry registry, String name) {
        reloads = Counter.builder().name(name)
                .help("Changes of certificate, key or CA files seen, by TLS context and whether they were taken")
                .labelNames("context", "result").register(registry);
    }

    @Override
    public void reloaded(String name) {
        reloads.labelValues(name, "reloaded").inc();
    }

    @Override
    public void refused(String name, String reason) {
        reloads.labelValues(name, "refused").inc();
    }
}
