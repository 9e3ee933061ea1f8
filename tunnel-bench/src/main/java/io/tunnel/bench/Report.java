package io.tunnel.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns the flat results of scripts/bench ({@link Results}) into docs/benchmark.md (tables, ratios, PASS/MISS per
 * target, the evidence for each MISS, the hand-written analysis) and docs/benchmark.json (every raw number, nested by
 * the dotted key, plus the targets). Usage: {@code java -jar tunnel-bench.jar report RESULTS PROFILE_DIR OUT_MD
 * OUT_JSON [ANALYSIS_MD]}.
 */
final class Report {
    static final String[] PATHS = {"tunnel_mtls", "tunnel_plain", "tinyproxy", "direct"};
    static final Map<String, String> LABEL = Map.of(
            "tunnel_mtls", "tunnel, mTLS frontend (TLS on both legs)",
            "tunnel_plain", "tunnel, plaintext frontend",
            "tinyproxy", "tinyproxy",
            "direct", "direct (no proxy)",
            "tunnel_mtls_resumed", "tunnel, mTLS frontend, TLS session resumption",
            "tunnel_mtls_classic", "tunnel, mTLS frontend, client offering classical groups only");
    static final double MIB = 1024.0 * 1024.0;
    static final double GIB = MIB * 1024.0;
    /** Loopback TCP connections the tunnel's single stream crosses: nginx-agent, agent-server, server-curl. */
    static final int LIMIT_HOPS = 3;
    /** AES-GCM passes over the mTLS stream's bytes: agent seals, server opens and seals, curl opens. */
    static final int LIMIT_AES_PASSES = 4;

    record Target(String id, String title, String figure, String peers, String ratio, Boolean pass, String limit,
                  Map<String, Object> json) {
    }

    private final Results res;
    private final Path profiles;
    private final int cores;
    /** Median single-stream throughput per path, of the paths that were measured. */
    private final Map<String, Double> tpMedian = new LinkedHashMap<>();
    private final List<Target> targets = new ArrayList<>();

    /**
     * @param profiles the run's profile directory (markdown pieces written by scripts/bench, heap dumps)
     * @param cores    the machine's cores, for the evidence of CPU-bound figures
     */
    Report(Results results, Path profiles, int cores) {
        this.res = results;
        this.profiles = profiles;
        this.cores = cores;
        for (String p : PATHS) {
            double[] runs = res.runs("tp." + p + ".run", ".bytes_per_second");
            if (runs.length > 0) {
                tpMedian.put(p, Stats.median(runs));
            }
        }
        targets.addAll(Targets.judge(res, tpMedian));
    }

    /**
     * {@code RESULTS PROFILE_DIR OUT_MD OUT_JSON [ANALYSIS_MD]}: writes the report; returns the exit code.
     */
    static int run(String... args) throws IOException {
        if (args.length < 4 || args.length > 5) {
            System.err.println("usage: report RESULTS PROFILE_DIR OUT_MD OUT_JSON [ANALYSIS_MD]");
            return 2;
        }
        Results results = Results.read(Path.of(args[0]));
        Report report = new Report(results, Path.of(args[1]), cores(results));
        Path analysis = args.length > 4 ? Path.of(args[4]) : null;
        String md = report.markdown(analysis != null && Files.exists(analysis) ? Files.readString(analysis) : "");
        Files.writeString(Path.of(args[2]), md, StandardCharsets.UTF_8);
        Files.writeString(Path.of(args[3]), report.json() + "\n", StandardCharsets.UTF_8);
        System.out.println("report: " + report.targets.size() + " targets, " + report.misses().size() + " missed");
        return 0;
    }

    /** The machine's cores: as scripts/bench recorded them ({@code meta.nproc}), else as this JVM sees them. */
    static int cores(Results results) {
        Double n = results.num("meta.nproc");
        return n != null && n >= 1 ? n.intValue() : Runtime.getRuntime().availableProcessors();
    }

    /**
     * The CPU limit of the single mTLS stream on this machine, from figures of the same run: the stream crosses three
     * loopback TCP connections where the direct path crosses one, and is sealed or opened by AES-GCM four times (agent
     * seals, server opens and seals again, curl opens). One hop costs what the direct path's curl and nginx spent per
     * GiB; one pass costs a GiB over {@code openssl speed}'s AES-128-GCM rate of one core. The limit is the cores over
     * that cost; the measured stream is set against it. {@code null} without those figures.
     */
    String cpuLimit() {
        Double aes = res.num("crypto.aes-128-gcm.bytes_per_second");
        Double mtls = tpMedian.get("tunnel_mtls");
        double directGib = res.sumRuns("tp.direct.run", ".bytes") / GIB;
        if (aes == null || aes <= 0 || mtls == null || directGib == 0) {
            return null;
        }
        double hop = (res.sumRuns("tp.direct.run", ".cpu_s.curl") + res.sumRuns("tp.direct.run", ".cpu_s.nginx"))
                / directGib;
        double pass = GIB / aes;
        double perGib = LIMIT_HOPS * hop + LIMIT_AES_PASSES * pass;
        double limit = cores * GIB / perGib;
        return "CPU limit of the mTLS stream on " + cores + " cores: " + LIMIT_HOPS + " loopback hops × "
                + fmt("%.2f", hop) + " CPU-s/GiB (the direct path's curl + nginx) + " + LIMIT_AES_PASSES
                + " AES-GCM passes × " + fmt("%.2f", pass) + " CPU-s/GiB (`openssl speed` AES-128-GCM, one core: "
                + mibs(aes) + ") = " + fmt("%.2f", perGib) + " CPU-s/GiB, so at most " + mibs(limit)
                + "; the tunnel ran at " + mibs(mtls) + ", " + pct(mtls / limit) + " of that limit (copies between "
                + "the processes' buffers and the framing are the rest of the gap).";
    }

    List<Target> targets() {
        return targets;
    }

    List<Target> misses() {
        return targets.stream().filter(t -> Boolean.FALSE.equals(t.pass)).toList();
    }

    /** docs/benchmark.md: machine, targets, a section per measured figure, the misses' evidence, {@code analysis}. */
    String markdown(String analysis) throws IOException {
        StringBuilder md = new StringBuilder();
        boolean isQuick = "1".equals(res.get("meta.quick"));
        Double direct = tpMedian.get("direct");
        Double tiny = tpMedian.get("tinyproxy");
        int[] idleCounts = res.idleCounts("tunnel_mtls");

        // ---- header and machine --------------------------------------------------------------------------------
        md.append("# Benchmark: the tunnel against the direct path and tinyproxy\n\n");
        md.append("Written by `scripts/bench`").append(isQuick ? " (**BENCH_QUICK=1: smoke sizes, not a measurement**)"
                : "").append(" on ").append(res.get("meta.date")).append(", sources at `").append(res.get("meta.git"))
                .append("`. Every figure of one table comes from the same run, on loopback (127.0.0.1), with the same "
                        + "nginx as destination; the only TLS on a path is the tunnel's. Raw numbers: "
                        + "`docs/benchmark.json`.\n\n");
        md.append("## Machine\n\n| | |\n|---|---|\n");
        row(md, "CPU", res.get("meta.nproc") + " × " + res.get("meta.cpu_model"));
        row(md, "Memory", res.get("meta.mem_total"));
        row(md, "Kernel", res.get("meta.kernel"));
        row(md, "Java", res.get("meta.java"));
        row(md, "Server / agent JVM options", "`" + res.get("meta.jvm_opts") + "` (otherwise defaults: G1, Netty's "
                + "default allocator); transport " + res.get("meta.transport") + ", " + res.get("meta.tls_server"));
        row(md, "Load generator", "`tunnel-bench` (`io.tunnel.bench.LoadGen`, tunnels opened by the client "
                + "library) on Netty epoll + BoringSSL, `"
                + res.get("meta.loadgen_jvm") + "`");
        row(md, "nginx / tinyproxy / curl", res.get("meta.nginx") + " / " + res.get("meta.tinyproxy") + " / "
                + res.get("meta.curl"));
        row(md, "Open files limit", res.get("meta.nofile"));
        row(md, "Load average at start / end", res.get("meta.loadavg_start") + " / " + res.get("meta.loadavg_end")
                + " (other work on the machine shows here)");
        row(md, "Parameters", "`" + res.get("meta.params") + "`, download " + fmt("%,.0f", orZero(res.num("meta.file_bytes")))
                + " bytes");
        md.append('\n');

        md.append("## Targets\n\n| Target | Tunnel | Peers | Ratio | Result |\n|---|---|---|---|---|\n");
        for (Target t : targets) {
            md.append("| ").append(t.title).append(" | ").append(t.figure).append(" | ").append(t.peers).append(" | ")
                    .append(t.ratio).append(" | ").append(t.pass == null ? "n/a" : t.pass ? "**PASS**" : "**MISS**")
                    .append(" |\n");
        }
        md.append('\n');

        // ---- 1. throughput -------------------------------------------------------------------------------------
        if (!tpMedian.isEmpty()) {
            md.append("## 1. Single-stream download throughput\n\n");
            md.append("`curl -o /dev/null` of one ").append(fmt("%,.0f", orZero(res.num("meta.file_bytes"))))
                    .append("-byte file, `%{speed_download}`; the median of the runs (paths interleaved). CPU is "
                            + "the processes' user + system time over the transfers, per GiB moved.\n\n");
            md.append("| Path | median MiB/s | runs MiB/s | % of direct | × tinyproxy | CPU s/GiB: curl | proxy "
                    + "(server + agent / tinyproxy) | nginx | machine busy |\n|---|---:|---|---:|---:|---:|---:|---:|---:|\n");
            for (String p : PATHS) {
                Double m = tpMedian.get(p);
                if (m == null) {
                    continue;
                }
                double[] runs = res.runs("tp." + p + ".run", ".bytes_per_second");
                double gib = res.sumRuns("tp." + p + ".run", ".bytes") / GIB;
                double curl = res.sumRuns("tp." + p + ".run", ".cpu_s.curl") / gib;
                double proxy = (res.sumRuns("tp." + p + ".run", ".cpu_s.server") + res.sumRuns("tp." + p + ".run",
                        ".cpu_s.agent") + res.sumRuns("tp." + p + ".run", ".cpu_s.tinyproxy")) / gib;
                double nginx = res.sumRuns("tp." + p + ".run", ".cpu_s.nginx") / gib;
                double busy = res.runs("tp." + p + ".run", ".machine_busy_pct").length == 0 ? 0
                        : Arrays.stream(res.runs("tp." + p + ".run", ".machine_busy_pct")).average().orElse(0);
                md.append("| ").append(LABEL.get(p)).append(" | ").append(fmt("%,.0f", m / MIB)).append(" | ")
                        .append(String.join(", ", Arrays.stream(runs).mapToObj(v -> fmt("%,.0f", v / MIB))
                                .toList())).append(" | ")
                        .append(direct == null ? "–" : pct(m / direct)).append(" | ")
                        .append(tiny == null ? "–" : fmt("%.2f", m / tiny)).append(" | ")
                        .append(fmt("%.2f", curl)).append(" | ").append(p.equals("direct") ? "–" : fmt("%.2f", proxy))
                        .append(" | ").append(fmt("%.2f", nginx)).append(" | ").append(fmt("%.0f %%", busy))
                        .append(" |\n");
            }
            Double ceiling = res.num("iperf3.bytes_per_second");
            if (ceiling != null) {
                md.append("\nLoopback TCP ceiling (iperf3, one stream, 3 s): ").append(mibs(ceiling)).append(".\n");
            }
            String limit = cpuLimit();
            if (limit != null) {
                md.append('\n').append(limit).append('\n');
            }
            md.append("\nWrite syscalls of the tunnel processes during the transfers (`syscw`/`wchar` of "
                    + "`/proc/PID/io`: write/writev; Netty's reads use recvfrom, which that file does not count):\n\n"
                    + "| Path | process | KiB per write call | write calls per MiB relayed |\n|---|---|---:|---:|\n");
            for (String p : new String[] {"tunnel_mtls", "tunnel_plain"}) {
                double bytes = res.sumRuns("tp." + p + ".run", ".bytes");
                if (bytes == 0) {
                    continue;
                }
                for (String proc : new String[] {"server", "agent"}) {
                    double w = res.sumRuns("tp." + p + ".run", ".syscw." + proc);
                    double wc = res.sumRuns("tp." + p + ".run", ".wchar." + proc);
                    md.append("| ").append(LABEL.get(p)).append(" | ").append(proc).append(" | ")
                            .append(w == 0 ? "–" : fmt("%.1f", wc / w / 1024)).append(" | ")
                            .append(fmt("%.2f", w / (bytes / MIB))).append(" |\n");
                }
            }
            md.append('\n');
        }

        // ---- 2. rate -------------------------------------------------------------------------------------------
        if (res.num("rate.tunnel_mtls.per_second") != null || res.num("rate.direct.per_second") != null) {
            md.append("## 2. New tunnels per second\n\n");
            md.append("Each connection: TCP connect (+ full mTLS handshake to the frontend, no session resumption "
                    + "unless said), `CONNECT`, `GET /tiny` with `Connection: close`, read to end of stream. Direct: a "
                    + "new TCP connection per request to nginx. CPU per tunnel is the proxy's (server + agent, or "
                    + "tinyproxy) user + system time divided by the tunnels of the measured run.\n\n");
            md.append("| Path | tunnels/s | ok | failed | connection p50 ms | p99 ms | proxy CPU ms/tunnel | "
                    + "load generator CPU ms/tunnel | machine busy |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            for (String p : new String[] {"tunnel_mtls", "tunnel_mtls_classic", "tunnel_mtls_resumed", "tunnel_plain",
                    "tinyproxy", "direct"}) {
                String k = "rate." + p + ".";
                Double v = res.num(k + "per_second");
                if (v == null) {
                    continue;
                }
                double ok = orZero(res.num(k + "ok"));
                String group = res.get(k + "tls_groups");
                md.append("| ").append(LABEL.get(p)).append(p.equals("tunnel_mtls_resumed")
                                ? " (" + fmt("%,.0f", orZero(res.num(k + "tls_sessions_reused"))) + " resumed)" : "")
                        .append(group.isEmpty() ? "" : ", key exchange " + group)
                        .append(" | ").append(fmt("%,.0f", v)).append(" | ").append(fmt("%,.0f", ok)).append(" | ")
                        .append(fmt("%,.0f", orZero(res.num(k + "failed")))).append(" | ")
                        .append(fmt("%.2f", orZero(res.num(k + "conn_p50_us")) / 1000)).append(" | ")
                        .append(fmt("%.2f", orZero(res.num(k + "conn_p99_us")) / 1000)).append(" | ")
                        .append(p.equals("direct") || ok == 0 ? "–" : fmt("%.3f", proxyMsPerTunnel(res, "rate." + p)))
                        .append(" | ")
                        .append(ok == 0 ? "–" : fmt("%.3f", orZero(res.num(k + "loadgen_cpu_s")) * 1000 / ok)).append(" | ")
                        .append(fmt("%.0f %%", orZero(res.num(k + "machine_busy_pct")))).append(" |\n");
            }
            md.append('\n');
        }

        // ---- 3. latency ----------------------------------------------------------------------------------------
        if (res.num("lat.direct.p50_us") != null || res.num("lat.tunnel_mtls.p50_us") != null) {
            md.append("## 3. Request/response latency inside one open tunnel\n\n");
            md.append("One `CONNECT`, then ").append(fmt("%,.0f", orZero(res.num("lat.direct.count"))))
                    .append(" sequential keep-alive `GET /tiny` (after 1,000 warm-up); time from writing the request "
                            + "to the last byte of the response.\n\n");
            md.append("| Path | p50 µs | p90 µs | p99 µs | p99.9 µs | max µs | mean µs | p50 vs direct |\n"
                    + "|---|---:|---:|---:|---:|---:|---:|---:|\n");
            Double d50 = res.num("lat.direct.p50_us");
            for (String p : PATHS) {
                String k = "lat." + p + ".";
                if (res.num(k + "p50_us") == null) {
                    continue;
                }
                md.append("| ").append(LABEL.get(p));
                for (String q : new String[] {"p50_us", "p90_us", "p99_us", "p999_us", "max_us", "mean_us"}) {
                    md.append(" | ").append(fmt("%,.0f", orZero(res.num(k + q))));
                }
                md.append(" | ").append(d50 == null ? "–" : fmt("+%,.0f µs", orZero(res.num(k + "p50_us")) - d50))
                        .append(" |\n");
            }
            md.append('\n');
        }

        // ---- 4. idle -------------------------------------------------------------------------------------------
        if (idleCounts.length > 0) {
            md.append("## 4. Idle streams on one agent\n\n");
            md.append("Fresh server + agent pairs (so earlier traffic does not inflate them); the load generator "
                    + "opens the tunnels to nginx (which holds a connection 600 s waiting for a request) and keeps "
                    + "them open. RSS is `VmRSS` from `/proc/PID/status`, 3 s after the last tunnel opened; row 0 is "
                    + "the pair with its agent link up and no stream.\n\n");
            md.append("| Pair | streams | open (server metric) | server RSS | agent RSS | server + agent | KiB per "
                    + "stream over row 0 | threads server/agent |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
            for (String pair : new String[] {"tunnel_mtls", "tunnel_plain"}) {
                int[] counts = res.idleCounts(pair);
                if (counts.length == 0) {
                    continue;
                }
                double base = orZero(res.num("idle." + pair + ".0.server_rss_kb"))
                        + orZero(res.num("idle." + pair + ".0.agent_rss_kb"));
                md.append("| ").append(LABEL.get(pair)).append(" | 0 | – | ")
                        .append(mib(orZero(res.num("idle." + pair + ".0.server_rss_kb")) * 1024)).append(" | ")
                        .append(mib(orZero(res.num("idle." + pair + ".0.agent_rss_kb")) * 1024)).append(" | ")
                        .append(mib(base * 1024)).append(" | – | – |\n");
                for (int n : counts) {
                    String k = "idle." + pair + "." + n + ".";
                    double s = orZero(res.num(k + "server_rss_kb"));
                    double a = orZero(res.num(k + "agent_rss_kb"));
                    md.append("| ").append(LABEL.get(pair)).append(" | ").append(fmt("%,d", n)).append(" | ")
                            .append(res.get(k + "server_open_streams")).append(" | ").append(mib(s * 1024)).append(" | ")
                            .append(mib(a * 1024)).append(" | **").append(mib((s + a) * 1024)).append("** | ")
                            .append(fmt("%.1f", (s + a - base) / n)).append(" | ").append(res.get(k + "server_threads"))
                            .append("/").append(res.get(k + "agent_threads")).append(" |\n");
                }
            }
            String tc = res.firstIdle("tinyproxy");
            if (tc != null) {
                double base = orZero(res.num("idle.tinyproxy.0.rss_kb"));
                double v = orZero(res.num("idle.tinyproxy." + tc + ".rss_kb"));
                md.append("\ntinyproxy with ").append(tc).append(" idle tunnels (").append(res.get("idle.tinyproxy." + tc
                        + ".opened")).append(" open): RSS ").append(mib(v * 1024)).append(" (").append(mib(base * 1024))
                        .append(" before), ").append(res.get("idle.tinyproxy." + tc + ".threads"))
                        .append(" threads in ").append(res.get("idle.tinyproxy." + tc + ".processes"))
                        .append(" process(es): tinyproxy 1.11 runs one thread per client connection in a single "
                                + "process, so its cost per tunnel is a thread stack (mostly untouched) plus its "
                                + "relay buffers.\n");
            }
            String afterGc = res.get("idle.tunnel_mtls." + (idleCounts.length > 0 ? idleCounts[idleCounts.length - 1] : 0)
                    + ".server_rss_after_full_gc_kb");
            if (!afterGc.isEmpty()) {
                int n = idleCounts[idleCounts.length - 1];
                md.append("\nAfter a full GC (forced by `jcmd GC.class_histogram`) at ").append(fmt("%,d", n))
                        .append(" streams, mTLS pair: server ").append(mib(orZero(res.num("idle.tunnel_mtls." + n
                                + ".server_rss_after_full_gc_kb")) * 1024)).append(", agent ")
                        .append(mib(orZero(res.num("idle.tunnel_mtls." + n + ".agent_rss_after_full_gc_kb")) * 1024))
                        .append(" (RSS rarely shrinks: the JVM keeps the heap it committed).\n");
            }
            md.append('\n');
        }

        // ---- 5. head-of-line -----------------------------------------------------------------------------------
        if (res.num("hol.tunnel_mtls.baseline.bulk_bytes_per_second") != null) {
            md.append("## 5. Head-of-line: one reader stalls\n\n");
            md.append("Three phases of ").append(res.get("meta.params").replaceAll(".*hol_seconds=(\\S+).*", "$1"))
                    .append(" s each (after 1 s of warm-up): *baseline* — one tunnel downloads the large file over "
                            + "and over (keep-alive) while a second does sequential `GET /tiny`; *stall* — the same "
                            + "while a third tunnel asked for the large file and never reads; *baseline2* — the "
                            + "first again, to show drift. Kept = stall ÷ mean of the two baselines.\n\n");
            md.append("| Path | phase | bulk MiB/s | req/resp per s | rr p50 µs | rr p99 µs | bulk kept | rr kept | "
                    + "stalled reader got | server queued for it |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            for (String p : PATHS) {
                if (res.num("hol." + p + ".baseline.bulk_bytes_per_second") == null) {
                    continue;
                }
                Double bb = holBaseline(p, "bulk_bytes_per_second");
                Double rb = holBaselineRate(p);
                for (String phase : new String[] {"baseline", "stall", "baseline2"}) {
                    String k = "hol." + p + "." + phase + ".";
                    Double bulk = res.num(k + "bulk_bytes_per_second");
                    if (bulk == null) {
                        continue;
                    }
                    Double rr = rrRate(p, phase);
                    boolean stall = phase.equals("stall");
                    md.append("| ").append(LABEL.get(p)).append(" | ").append(phase).append(" | ")
                            .append(fmt("%,.0f", bulk / MIB)).append(" | ").append(fmt("%,.0f", orZero(rr)))
                            .append(" | ").append(fmt("%,.0f", orZero(res.num(k + "rr_p50_us")))).append(" | ")
                            .append(fmt("%,.0f", orZero(res.num(k + "rr_p99_us")))).append(" | ")
                            .append(stall && bb != null ? pct(bulk / bb) : "").append(" | ")
                            .append(stall && rb != null && rr != null ? pct(rr / rb) : "").append(" | ")
                            .append(stall ? kib(orZero(res.num(k + "stall_bytes_read_by_client_end"))) : "").append(" | ")
                            .append(stall && !res.get(k + "server_unwritten_bytes").isEmpty()
                                    ? kib(orZero(res.num(k + "server_unwritten_bytes"))) : "").append(" |\n");
                }
            }
            md.append('\n');
        }

        // ---- 6. absolute-form (http_proxy) ------------------------------------------------------------------
        Double fwd = res.num("fwd.tunnel_plain.requests_per_second");
        if (fwd != null) {
            Double fwdPeer = res.num("fwd.tinyproxy.requests_per_second");
            md.append("## 6. Absolute-form requests (`http_proxy`)\n\n");
            md.append(fmt("%,.0f", orZero(res.num("fwd.tunnel_plain.concurrency"))))
                    .append(" clients send `GET http://127.0.0.1:NGINX/tiny` to the proxy, one request at a time, "
                            + "each on a keep-alive connection (a client opens a new one when the proxy closes it: "
                            + "tinyproxy closes after every response; the tunnel opens a stream per request either "
                            + "way); responses counted after 3 s of warm-up.\n\n");
            md.append("| Path | GET/s | new connections | tinyproxy GET/s | vs tinyproxy |\n|---|---:|---:|---:|---:|\n");
            md.append("| ").append(LABEL.get("tunnel_plain")).append(" | ").append(fmt("%,.0f", fwd)).append(" | ")
                    .append(fmt("%,.0f", orZero(res.num("fwd.tunnel_plain.connections")))).append(" | ")
                    .append(fwdPeer == null ? "–" : fmt("%,.0f", fwdPeer)).append(" | ")
                    .append(fwdPeer == null || fwdPeer == 0 ? "–" : fmt("%.2f ×", fwd / fwdPeer)).append(" |\n\n");
        }

        // ---- 7.–10. curl as the client, many streams, memory, jars ---------------------------------------------
        md.append(CurlTables.markdown(res));
        md.append(ThreadTables.markdown(res, tpMedian.get("tunnel_mtls")));
        md.append(FootprintTables.memory(res));
        md.append(FootprintTables.jars(res));

        // ---- misses --------------------------------------------------------------------------------------------
        List<Target> misses = misses();
        md.append("## What limits the misses\n\n");
        if (misses.isEmpty()) {
            md.append("No target missed in this run.\n\n");
        }
        java.util.Set<String> explained = new java.util.HashSet<>();
        for (Target t : misses) {
            md.append("### MISS: ").append(t.title).append("\n\n");
            if (!explained.add(t.limit)) {
                md.append("Same cause as the miss above.\n\n");
                continue;
            }
            switch (t.limit) {
                case "throughput" -> {
                    md.append(throughputEvidence());
                    md.append(profile(profiles, "throughput"));
                }
                case "rate" -> {
                    md.append(rateEvidence());
                    md.append(profile(profiles, "rate"));
                }
                case "idle" -> md.append(idleEvidence());
                case "curl" -> md.append(curlEvidence(""));
                case "curl_imm" -> md.append(curlEvidence("_imm"));
                case "rate_plain" -> md.append(plainRateEvidence());
                case "mem" -> md.append("Threads, classes loaded and committed heap and metaspace of each reading are "
                        + "in section 9; the heap is a part of RSS only, the rest is the JVM's own native memory, "
                        + "code and class metadata, and thread stacks.\n\n");
                case "jar" -> md.append("The sizes of all four jars are in section 10.\n\n");
                case "resumption" -> md.append("The load generator offered its sessions back and the frontend "
                        + "resumed none of them: tickets or the session cache are off.\n\n");
                default -> {
                }
            }
        }
        if (!analysis.isBlank()) {
            md.append(analysis.strip()).append("\n\n");
        }
        List<String> shown = misses.stream().map(t -> t.limit).toList();
        StringBuilder appendix = new StringBuilder();
        for (String name : new String[] {"throughput", "rate"}) {
            if (!shown.contains(name)) {
                appendix.append(profile(profiles, name));
            }
        }
        if (appendix.length() > 0) {
            md.append("## Appendix: profiles of passing figures\n\n").append(appendix);
        }

        return md.toString();
    }

    /** docs/benchmark.json: the targets, the derived medians and every raw result, nested by the dotted key. */
    String json() {
        Map<String, Object> root = new LinkedHashMap<>();
        Map<String, Object> tj = new LinkedHashMap<>();
        for (Target t : targets) {
            Map<String, Object> o = new LinkedHashMap<>(new TreeMap<>(t.json));
            o.put("title", t.title);
            o.put("result", t.pass == null ? "n/a" : t.pass ? "PASS" : "MISS");
            tj.put(t.id, o);
        }
        root.put("targets", tj);
        Map<String, Object> derived = new LinkedHashMap<>();
        for (Map.Entry<String, Double> e : tpMedian.entrySet()) {
            derived.put("throughput_median_bytes_per_second." + e.getKey(), e.getValue());
        }
        root.put("derived", Json.nest(derived));
        Map<String, Object> raw = new LinkedHashMap<>();
        res.all().forEach(raw::put);
        root.putAll(Json.nest(raw));
        return Json.toJson(root, "");
    }

    // ---- evidence ------------------------------------------------------------------------------------------------

    private String throughputEvidence() {
        StringBuilder s = new StringBuilder();
        double gibM = res.sumRuns("tp.tunnel_mtls.run", ".bytes") / GIB;
        double gibP = res.sumRuns("tp.tunnel_plain.run", ".bytes") / GIB;
        double gibD = res.sumRuns("tp.direct.run", ".bytes") / GIB;
        if (gibM > 0) {
            s.append(fmt("CPU per GiB through the mTLS tunnel: server %.2f s, agent %.2f s, curl %.2f s, nginx %.2f s "
                            + "(direct path: curl %.2f s, nginx %.2f s; plaintext frontend: server %.2f s, agent %.2f s). ",
                    res.sumRuns("tp.tunnel_mtls.run", ".cpu_s.server") / gibM,
                    res.sumRuns("tp.tunnel_mtls.run", ".cpu_s.agent") / gibM,
                    res.sumRuns("tp.tunnel_mtls.run", ".cpu_s.curl") / gibM,
                    res.sumRuns("tp.tunnel_mtls.run", ".cpu_s.nginx") / gibM,
                    gibD == 0 ? 0 : res.sumRuns("tp.direct.run", ".cpu_s.curl") / gibD,
                    gibD == 0 ? 0 : res.sumRuns("tp.direct.run", ".cpu_s.nginx") / gibD,
                    gibP == 0 ? 0 : res.sumRuns("tp.tunnel_plain.run", ".cpu_s.server") / gibP,
                    gibP == 0 ? 0 : res.sumRuns("tp.tunnel_plain.run", ".cpu_s.agent") / gibP));
            s.append(fmt("Kernel (system) time is %.0f %% of the server's CPU and %.0f %% of the agent's: every byte "
                            + "crosses three loopback TCP connections on this path (one on the direct path). ",
                    100 * res.sumRuns("tp.tunnel_mtls.run", ".sys_s.server")
                            / Math.max(1e-9, res.sumRuns("tp.tunnel_mtls.run", ".cpu_s.server")),
                    100 * res.sumRuns("tp.tunnel_mtls.run", ".sys_s.agent")
                            / Math.max(1e-9, res.sumRuns("tp.tunnel_mtls.run", ".cpu_s.agent"))));
            double busy = Arrays.stream(res.runs("tp.tunnel_mtls.run", ".machine_busy_pct")).average().orElse(0);
            s.append(fmt("The machine was %.0f %% busy during those transfers (%d cores = 100 %%), so the path is "
                    + "CPU-bound: its speed is roughly cores ÷ (CPU seconds per GiB summed over the processes on the "
                    + "path).", busy, cores));
            s.append("\n\n");
        }
        return s.toString();
    }

    private String rateEvidence() {
        double ok = orZero(res.num("rate.tunnel_mtls.ok"));
        if (ok == 0) {
            return "";
        }
        return fmt("Per new mTLS tunnel: server %.3f ms CPU, agent %.3f ms CPU, nginx %.3f ms, load generator %.3f ms; "
                        + "connection p50 %.2f ms, p99 %.2f ms with %s in flight; machine %.0f %% busy (the load "
                        + "generator's client handshakes share the same %d cores). The run that offers TLS session "
                        + "resumption: %,.0f/s with %,.0f sessions resumed.\n\n",
                orZero(res.num("rate.tunnel_mtls.cpu_s.server")) * 1000 / ok,
                orZero(res.num("rate.tunnel_mtls.cpu_s.agent")) * 1000 / ok,
                orZero(res.num("rate.tunnel_mtls.cpu_s.nginx")) * 1000 / ok,
                orZero(res.num("rate.tunnel_mtls.loadgen_cpu_s")) * 1000 / ok,
                orZero(res.num("rate.tunnel_mtls.conn_p50_us")) / 1000, orZero(res.num("rate.tunnel_mtls.conn_p99_us")) / 1000,
                res.get("rate.tunnel_mtls.concurrency"), orZero(res.num("rate.tunnel_mtls.machine_busy_pct")), cores,
                orZero(res.num("rate.tunnel_mtls_resumed.per_second")),
                orZero(res.num("rate.tunnel_mtls_resumed.tls_sessions_reused"))) + classicalEvidence(ok)
                + mtlsPairAfterEvidence();
    }

    /** The mTLS pair's RSS once every rate run through it (warm-ups included) is over. */
    private String mtlsPairAfterEvidence() {
        Double server = res.num("rate.tunnel_mtls.after.server_rss_kb");
        if (server == null) {
            return "";
        }
        double tunnels = 0;
        for (String run : new String[] {"rate.tunnel_mtls", "rate.tunnel_mtls_resumed", "rate.tunnel_mtls_classic"}) {
            tunnels += orZero(res.num(run + ".ok"));
        }
        return fmt("After these runs (%,.0f measured mTLS tunnels and their warm-ups) the mTLS pair's RSS: server "
                        + "%.0f MiB, agent %.0f MiB.\n\n", tunnels, server / 1024,
                orZero(res.num("rate.tunnel_mtls.after.agent_rss_kb")) / 1024);
    }

    /** The run whose client offered classical groups only, against the full-handshake run of {@code ok} tunnels. */
    private String classicalEvidence(double ok) {
        String k = "rate.tunnel_mtls_classic.";
        double classicOk = orZero(res.num(k + "ok"));
        if (classicOk == 0) {
            return "";
        }
        double server = msPer(k + "cpu_s.server", classicOk);
        double loadgen = msPer(k + "loadgen_cpu_s", classicOk);
        return fmt("The same load with the client offering classical groups only (`--groups x25519,secp256r1`; key "
                        + "exchange %s instead of %s): %,.0f/s, server %.3f + agent %.3f ms, load generator %.3f ms per "
                        + "tunnel. The default against it, per handshake in this run: server %+.3f ms, load generator "
                        + "%+.3f ms.\n\n",
                res.get(k + "tls_groups"), res.get("rate.tunnel_mtls.tls_groups"),
                orZero(res.num(k + "per_second")), server, msPer(k + "cpu_s.agent", classicOk), loadgen,
                msPer("rate.tunnel_mtls.cpu_s.server", ok) - server,
                msPer("rate.tunnel_mtls.loadgen_cpu_s", ok) - loadgen);
    }

    /** The curl round's figures per tunnel, of the paths ending in {@code suffix} ("" or "_imm"). */
    private String curlEvidence(String suffix) {
        String k = "curl.tunnel_plain" + suffix + ".";
        String tiny = "curl.tinyproxy" + suffix + ".";
        double n = orZero(res.num(k + "count"));
        double secs = orZero(res.num(k + "seconds"));
        if (n == 0 || secs == 0) {
            return "";
        }
        double tn = orZero(res.num(tiny + "count"));
        return fmt("Per plaintext tunnel with curl%s: server %.3f ms CPU, agent %.3f ms, curl %.3f ms, nginx %.3f ms "
                        + "(tinyproxy's path: tinyproxy %.3f ms, curl %.3f ms); curl used %.0f %% of a core, the "
                        + "machine was %.0f %% busy (%d cores = 100 %%).\n\n", suffix.isEmpty() ? ""
                        : " `--parallel-immediate`",
                msPer(k + "cpu_s.server", n), msPer(k + "cpu_s.agent", n), msPer(k + "cpu_s.curl", n),
                msPer(k + "cpu_s.nginx", n), msPer(tiny + "cpu_s.tinyproxy", tn),
                msPer(tiny + "cpu_s.curl", tn), 100 * orZero(res.num(k + "cpu_s.curl")) / secs,
                orZero(res.num(k + "machine_busy_pct")), cores);
    }

    private String plainRateEvidence() {
        String k = "rate.tunnel_plain.";
        double n = orZero(res.num(k + "ok"));
        double tn = orZero(res.num("rate.tinyproxy.ok"));
        if (n == 0) {
            return "";
        }
        return fmt("Per plaintext tunnel with LoadGen (%s in flight): server %.3f ms CPU, agent %.3f ms, load "
                        + "generator %.3f ms (tinyproxy %.3f ms, load generator %.3f ms); machine %.0f %% busy.\n\n",
                res.get(k + "concurrency"), msPer(k + "cpu_s.server", n), msPer(k + "cpu_s.agent", n),
                msPer(k + "loadgen_cpu_s", n), msPer("rate.tinyproxy.cpu_s.tinyproxy", tn),
                msPer("rate.tinyproxy.loadgen_cpu_s", tn), orZero(res.num(k + "machine_busy_pct")));
    }

    /**
     * The proxy's CPU per tunnel of the round recorded under {@code key}: server + agent (or tinyproxy) user + system
     * time over the tunnels that succeeded, in ms; 0 without any.
     */
    static double proxyMsPerTunnel(Results res, String key) {
        double ok = orZero(res.num(key + ".ok"));
        return ok == 0 ? 0 : (orZero(res.num(key + ".cpu_s.server")) + orZero(res.num(key + ".cpu_s.agent"))
                + orZero(res.num(key + ".cpu_s.tinyproxy"))) * 1000 / ok;
    }

    /** The seconds of CPU under {@code key} in ms per one of {@code count} tunnels; 0 without tunnels. */
    private double msPer(String key, double count) {
        return count == 0 ? 0 : orZero(res.num(key)) * 1000 / count;
    }

    private String idleEvidence() throws IOException {
        StringBuilder s = new StringBuilder();
        for (String side : new String[] {"server", "agent"}) {
            for (String kind : new String[] {"heap", "histo"}) {
                Path f = profiles.resolve("idle-tunnel_mtls-" + side + "-" + kind + ".txt");
                if (Files.exists(f)) {
                    s.append("tunnel-").append(side).append(kind.equals("heap") ? " heap (`jcmd GC.heap_info`)"
                            : " largest classes (`jcmd GC.class_histogram`)").append(":\n\n```\n")
                            .append(Files.readString(f).strip()).append("\n```\n\n");
                }
            }
        }
        return s.toString();
    }

    static String profile(Path dir, String name) throws IOException {
        Path f = dir.resolve(name + ".md");
        return Files.exists(f) ? Files.readString(f) + "\n" : "";
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    private Double holBaseline(String p, String key) {
        Double a = res.num("hol." + p + ".baseline." + key);
        Double b = res.num("hol." + p + ".baseline2." + key);
        if (a == null) {
            return b;
        }
        return b == null ? a : (a + b) / 2;
    }

    private Double rrRate(String p, String phase) {
        Double count = res.num("hol." + p + "." + phase + ".rr_count");
        Double secs = res.num("hol." + p + "." + phase + ".seconds");
        return count == null || secs == null || secs == 0 ? null : count / secs;
    }

    private Double holBaselineRate(String p) {
        Double a = rrRate(p, "baseline");
        Double b = rrRate(p, "baseline2");
        if (a == null) {
            return b;
        }
        return b == null ? a : (a + b) / 2;
    }

    static double orZero(Double d) {
        return d == null ? 0 : d;
    }

    static String fmt(String f, Object... a) {
        return String.format(Locale.ROOT, f, a);
    }

    static String pct(double r) {
        return fmt("%.0f %%", r * 100);
    }

    static String mibs(double bytesPerSecond) {
        return fmt("%,.0f MiB/s", bytesPerSecond / MIB);
    }

    static String mib(double bytes) {
        return fmt("%,.0f MiB", bytes / MIB);
    }

    static String kib(double bytes) {
        return fmt("%,.0f KiB", bytes / 1024);
    }

    static void row(StringBuilder md, String k, String v) {
        md.append("| ").append(k).append(" | ").append(v.replace("|", "\\|")).append(" |\n");
    }
}
