package io.tunnel.bench;

import static io.tunnel.bench.Report.fmt;
import static io.tunnel.bench.Report.mib;
import static io.tunnel.bench.Report.mibs;
import static io.tunnel.bench.Report.orZero;
import static io.tunnel.bench.Report.pct;

import io.tunnel.bench.Report.Target;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Issue 15's targets, judged from one run's results: each PASS or MISS, or n/a (with the reason in its title) when
 * this run did not measure it at the size the target names. Numbered as in the issue.
 */
final class Targets {
    /** Target 1: server + agent CPU per plaintext tunnel, at most this many times tinyproxy's. */
    static final double PLAIN_CPU_VS_TINYPROXY = 2.0;
    /** Target 1: new plaintext tunnels per second, at least this share of tinyproxy's. */
    static final double PLAIN_RATE_VS_TINYPROXY = 0.8;
    /** Target 2: new mTLS tunnels per second with LoadGen (full handshakes). */
    static final double MTLS_RATE = 2000;
    /** Target 2: the concurrency the mTLS rate target is stated at. */
    static final int MTLS_RATE_CONCURRENCY = 64;
    /** Target 2: server + agent CPU per new mTLS tunnel, ms. */
    static final double MTLS_CPU_MS = 0.5;
    /** Target 3, with the recommended JVM options: RSS limits in MiB. */
    static final double AGENT_IDLE_MIB = 72;
    static final double SERVER_IDLE_MIB = 96;
    static final double SERVER_LOADED_MIB = 160;
    static final double AGENT_LOADED_MIB = 128;
    /** Target 3: server + agent RSS with this many idle streams, at most {@link #STREAMS_MIB} MiB. */
    static final int STREAMS = 10_000;
    static final double STREAMS_MIB = 256;
    /** Target 3: the curl load the after-load limits are stated for (issue 15's measurement). */
    static final int CURL_LOAD = 3000;
    /** Target 4: bytes per runnable jar. */
    static final long JAR_BYTES = 12_000_000;
    /** The runnable jars, as scripts/bench records them ({@code jar.NAME.bytes}). */
    static final String[] JARS = {"tunnel-server", "tunnel-agent", "tunnel-client-cli", "pki-tool"};
    /** Target 5: single-stream mTLS throughput, at least this share of direct and this many times tinyproxy. */
    static final double TP_VS_DIRECT = 0.45;
    static final double TP_VS_TINYPROXY = 2.5;

    private final Results res;
    private final Map<String, Double> tpMedian;
    private final List<Target> targets = new ArrayList<>();

    private Targets(Results res, Map<String, Double> tpMedian) {
        this.res = res;
        this.tpMedian = tpMedian;
    }

    /** The targets this run has figures for, in the order. */
    static List<Target> judge(Results res, Map<String, Double> tpMedian) {
        Targets t = new Targets(res, tpMedian);
        String parallel = res.has("meta.curl_parallel") ? res.get("meta.curl_parallel") : "16";
        t.perTunnelCpu("curl", "", "curl `--parallel-max " + parallel + "` (one tunnel at a time, see section 7)",
                "curl");
        t.perTunnelCpu("curl", "_imm", "curl `--parallel-immediate --parallel-max " + parallel + "`", "curl_imm");
        t.perTunnelCpu("rate", "", "LoadGen", "rate_plain");
        t.mtlsHandshakes();
        t.footprint();
        t.jars();
        t.singleStream();
        return t.targets;
    }

    /** Target 1 for one client: {@code prefix.tunnel_plainSUFFIX} against {@code prefix.tinyproxySUFFIX}. */
    private void perTunnelCpu(String prefix, String suffix, String client, String limit) {
        String plain = prefix + ".tunnel_plain" + suffix;
        String tiny = prefix + ".tinyproxy" + suffix;
        String id = prefix + suffix;
        double plainOk = orZero(res.num(plain + ".ok"));
        double tinyOk = orZero(res.num(tiny + ".ok"));
        if (plainOk > 0 && tinyOk > 0) {
            double ms = Report.proxyMsPerTunnel(res, plain);
            double peer = Report.proxyMsPerTunnel(res, tiny);
            double r = peer == 0 ? Double.POSITIVE_INFINITY : ms / peer;
            add(id + "_plain_cpu_per_tunnel", fmt("1. Plaintext, %s: server + agent CPU per tunnel ≤ %.0f × "
                            + "tinyproxy's", client, PLAIN_CPU_VS_TINYPROXY), fmt("%.3f ms", ms),
                    fmt("tinyproxy %.3f ms", peer), fmt("%.2f ×", r), r <= PLAIN_CPU_VS_TINYPROXY, limit,
                    Map.of("value_ms", ms, "peer_ms", peer, "ratio", r, "threshold", PLAIN_CPU_VS_TINYPROXY));
        }
        Double rate = res.num(plain + ".per_second");
        Double peerRate = res.num(tiny + ".per_second");
        if (rate != null && peerRate != null && peerRate > 0) {
            double r = rate / peerRate;
            add(id + "_plain_tunnels", fmt("1. Plaintext, %s: new tunnels/s ≥ %.1f × tinyproxy's", client,
                            PLAIN_RATE_VS_TINYPROXY), fmt("%,.0f/s", rate), fmt("tinyproxy %,.0f/s", peerRate),
                    fmt("%.2f ×", r), r >= PLAIN_RATE_VS_TINYPROXY, limit,
                    Map.of("value_per_second", rate, "peer_per_second", peerRate, "ratio", r,
                            "threshold", PLAIN_RATE_VS_TINYPROXY));
        }
    }

    /**
     * Target 2: LoadGen's mTLS rate run (full handshakes, the client's default key exchange groups), the run whose
     * client offers classical groups only, and the run offering session resumption.
     */
    private void mtlsHandshakes() {
        Double rate = res.num("rate.tunnel_mtls.per_second");
        fullHandshakes("tunnel_mtls", "", "");
        fullHandshakes("tunnel_mtls_classic", "_classical", ", client offering classical groups only");
        Double resumed = res.num("rate.tunnel_mtls_resumed.per_second");
        if (resumed != null) {
            double reused = orZero(res.num("rate.tunnel_mtls_resumed.tls_sessions_reused"));
            double ok = orZero(res.num("rate.tunnel_mtls_resumed.ok"));
            add("tls_resumption", "2. TLS session resumption on the frontend stays on (LoadGen offering sessions)",
                    fmt("%,.0f/s, %,.0f of %,.0f resumed", resumed, reused, ok),
                    rate == null ? "–" : fmt("full handshakes %,.0f/s", rate),
                    rate == null || rate == 0 ? "–" : fmt("%.2f × full", resumed / rate), reused > 0, "resumption",
                    Map.of("value_per_second", resumed, "sessions_reused", reused));
        }
    }

    /** The rate and CPU rows of one full-handshake mTLS run, {@code rate.<run>}. */
    private void fullHandshakes(String run, String idSuffix, String titleSuffix) {
        String k = "rate." + run + ".";
        Double rate = res.num(k + "per_second");
        if (rate == null) {
            return;
        }
        int conc = (int) orZero(res.num(k + "concurrency"));
        boolean stated = conc == MTLS_RATE_CONCURRENCY;
        String group = res.get(k + "tls_groups");
        String how = titleSuffix + (group.isEmpty() ? "" : ", key exchange " + group);
        Double tp = res.num("rate.tinyproxy.per_second");
        add("new_tunnels" + idSuffix, fmt("2. New mTLS tunnels ≥ %,.0f/s (LoadGen, %d in flight, full handshakes%s)%s",
                        MTLS_RATE, MTLS_RATE_CONCURRENCY, how, stated ? "" : fmt(" (run at %d in flight)", conc)),
                fmt("%,.0f/s", rate), "plaintext " + fmt("%,.0f/s", orZero(res.num("rate.tunnel_plain.per_second")))
                        + ", tinyproxy " + fmt("%,.0f/s", orZero(tp)) + ", direct TCP "
                        + fmt("%,.0f/s", orZero(res.num("rate.direct.per_second"))),
                tp == null ? "–" : fmt("%.2f × tinyproxy", rate / tp), stated ? rate >= MTLS_RATE : null, "rate",
                Map.of("value_per_second", rate, "threshold", MTLS_RATE, "concurrency", conc));
        double ok = orZero(res.num(k + "ok"));
        if (ok > 0) {
            double ms = Report.proxyMsPerTunnel(res, "rate." + run);
            add("mtls_cpu_per_tunnel" + idSuffix, fmt("2. Proxy (server + agent) CPU ≤ %.1f ms per new mTLS tunnel%s",
                            MTLS_CPU_MS, how),
                    fmt("%.3f ms", ms), fmt("server %.3f + agent %.3f ms",
                            orZero(res.num(k + "cpu_s.server")) * 1000 / ok,
                            orZero(res.num(k + "cpu_s.agent")) * 1000 / ok),
                    pct(ms / MTLS_CPU_MS) + " of the limit", ms <= MTLS_CPU_MS, "rate",
                    Map.of("value_ms", ms, "threshold_ms", MTLS_CPU_MS));
        }
    }

    /** Target 3: the memory section's recommended-options pair, the no-options one shown, the idle streams. */
    private void footprint() {
        String k = "mem.recommended.";
        if (res.num(k + "idle.server_rss_kb") != null) {
            double agent = kib(k + "idle.agent_rss_kb");
            double server = kib(k + "idle.server_rss_kb");
            String opts = res.get(k + "jvm_opts").strip();
            rss("agent_idle_rss", fmt("3. Agent idle (linked, no streams) ≤ %.0f MiB, `%s`", AGENT_IDLE_MIB, opts),
                    agent, AGENT_IDLE_MIB, true);
            rss("server_idle_rss", fmt("3. Server idle ≤ %.0f MiB, `%s`", SERVER_IDLE_MIB, opts), server,
                    SERVER_IDLE_MIB, true);
            // After the load: the larger of the reading just after it and the one some seconds later.
            int load = (int) orZero(res.num(k + "load.count"));
            boolean full = load >= CURL_LOAD;
            String size = full ? "" : fmt(" (only %,d tunnels in this run)", load);
            rss("server_loaded_rss", fmt("3. Server after %,d curl tunnels ≤ %.0f MiB%s", CURL_LOAD,
                    SERVER_LOADED_MIB, size), Math.max(kib(k + "loaded.server_rss_kb"), kib(k + "later.server_rss_kb")),
                    SERVER_LOADED_MIB, full);
            rss("agent_loaded_rss", fmt("3. Agent after %,d curl tunnels ≤ %.0f MiB%s", CURL_LOAD, AGENT_LOADED_MIB,
                    size), Math.max(kib(k + "loaded.agent_rss_kb"), kib(k + "later.agent_rss_kb")), AGENT_LOADED_MIB,
                    full);
        }
        String n = "mem.no_options.";
        if (res.num(n + "idle.server_rss_kb") != null) {
            double idle = kib(n + "idle.server_rss_kb") + kib(n + "idle.agent_rss_kb");
            double loaded = Math.max(kib(n + "loaded.server_rss_kb"), kib(n + "later.server_rss_kb"))
                    + Math.max(kib(n + "loaded.agent_rss_kb"), kib(n + "later.agent_rss_kb"));
            add("no_options_rss", "3. No JVM options at all (no target; must not balloon)",
                    fmt("idle: server %s + agent %s; after load: server %s + agent %s",
                            mib(kib(n + "idle.server_rss_kb")), mib(kib(n + "idle.agent_rss_kb")),
                            mib(Math.max(kib(n + "loaded.server_rss_kb"), kib(n + "later.server_rss_kb"))),
                            mib(Math.max(kib(n + "loaded.agent_rss_kb"), kib(n + "later.agent_rss_kb")))),
                    res.num(k + "idle.server_rss_kb") == null ? "–" : "recommended options: idle "
                            + mib(kib(k + "idle.server_rss_kb") + kib(k + "idle.agent_rss_kb")) + " together",
                    "idle " + mib(idle) + ", loaded " + mib(loaded) + " together", null, "mem",
                    Map.of("idle_bytes", idle, "loaded_bytes", loaded));
        }
        int[] idleCounts = res.idleCounts("tunnel_mtls");
        if (idleCounts.length > 0) {
            int streams = idleCounts[idleCounts.length - 1];
            double bytes = kib("idle.tunnel_mtls." + streams + ".server_rss_kb")
                    + kib("idle.tunnel_mtls." + streams + ".agent_rss_kb");
            String tpCount = res.firstIdle("tinyproxy");
            String peer = tpCount == null ? "–" : "tinyproxy with " + tpCount + ": "
                    + mib(kib("idle.tinyproxy." + tpCount + ".rss_kb"));
            boolean full = streams >= STREAMS;
            double limit = STREAMS_MIB * Report.MIB;
            add("idle_rss", fmt("3. %,d mTLS streams: server + agent RSS ≤ %.0f MiB%s", STREAMS, STREAMS_MIB,
                            full ? "" : fmt(" (only %,d streams in this run)", streams)),
                    mib(bytes) + " with " + fmt("%,d", streams) + " streams", peer, pct(bytes / limit) + " of the limit",
                    full ? bytes <= limit : null, "idle",
                    Map.of("streams", streams, "rss_kb", bytes / 1024, "threshold_kb", limit / 1024));
        }
    }

    /** Target 4: one row per runnable jar. */
    private void jars() {
        for (String jar : JARS) {
            Double bytes = res.num("jar." + jar + ".bytes");
            if (bytes != null) {
                add("jar_" + jar.replace('-', '_'), fmt("4. %s.jar ≤ %,d bytes", jar, JAR_BYTES),
                        fmt("%,.0f bytes", bytes), "–", pct(bytes / JAR_BYTES) + " of the limit", bytes <= JAR_BYTES,
                        "jar", Map.of("bytes", bytes, "threshold_bytes", JAR_BYTES));
            }
        }
    }

    /** Target 5: the single-stream download's medians. */
    private void singleStream() {
        Double mtls = tpMedian.get("tunnel_mtls");
        Double direct = tpMedian.get("direct");
        Double tiny = tpMedian.get("tinyproxy");
        if (mtls != null && direct != null) {
            double r = mtls / direct;
            add("throughput_vs_direct", fmt("5. Single-stream throughput, mTLS on both legs, ≥ %.0f %% of direct",
                            TP_VS_DIRECT * 100), mibs(mtls), "direct " + mibs(direct), pct(r), r >= TP_VS_DIRECT,
                    "throughput", Map.of("value_bytes_per_second", mtls, "peer_bytes_per_second", direct, "ratio", r,
                            "threshold", TP_VS_DIRECT));
        }
        if (mtls != null && tiny != null) {
            double r = mtls / tiny;
            add("throughput_vs_tinyproxy", fmt("5. Single-stream throughput, mTLS on both legs, ≥ %.1f × tinyproxy",
                            TP_VS_TINYPROXY), mibs(mtls), "tinyproxy " + mibs(tiny), fmt("%.2f ×", r),
                    r >= TP_VS_TINYPROXY, "throughput", Map.of("value_bytes_per_second", mtls,
                            "peer_bytes_per_second", tiny, "ratio", r, "threshold", TP_VS_TINYPROXY));
        }
    }

    /** An RSS limit: PASS or MISS if {@code judged}, else n/a. */
    private void rss(String id, String title, double bytes, double limitMib, boolean judged) {
        double limit = limitMib * Report.MIB;
        add(id, title, mib(bytes), "–", pct(bytes / limit) + " of the limit", judged ? bytes <= limit : null, "mem",
                Map.of("rss_bytes", bytes, "threshold_bytes", limit));
    }

    private double kib(String key) {
        return orZero(res.num(key)) * 1024;
    }

    private void add(String id, String title, String figure, String peers, String ratio, Boolean pass, String limit,
                     Map<String, Object> json) {
        targets.add(new Target(id, title, figure, peers, ratio, pass, limit, new LinkedHashMap<>(json)));
    }
}
