package io.tunnel.bench;

import static io.tunnel.bench.Report.fmt;
import static io.tunnel.bench.Report.orZero;

import java.util.stream.Stream;

/**
 * Section 7 of the report, "curl as the client": one curl process per path opens the tunnels ({@code --parallel},
 * {@code Connection: close}), and the CPU of every process taking part is divided by the tunnels it made.
 */
final class CurlTables {
    /** The paths in the order shown, as scripts/bench names them under {@code curl.}. */
    static final String[] PATHS = {"tunnel_plain", "tunnel_mtls", "tunnel_mtls_full", "tinyproxy", "direct",
        "tunnel_plain_imm", "tinyproxy_imm", "direct_imm"};
    /** The suffix of the paths run with {@code --parallel-immediate}. */
    private static final String IMMEDIATE = "_imm";
    /** The processes whose CPU scripts/bench records per path ({@code cpu_s.NAME}), in the columns' order. */
    static final String[] PROCESSES = {"server", "agent", "tinyproxy", "curl", "nginx"};

    private CurlTables() {
    }

    static String label(String path) {
        if (path.endsWith(IMMEDIATE)) {
            return label(path.substring(0, path.length() - IMMEDIATE.length())) + ", `--parallel-immediate`";
        }
        return path.equals("tunnel_mtls_full") ? "tunnel, mTLS frontend, curl `--no-sessionid` (full handshakes)"
                : path.equals("tunnel_mtls") ? "tunnel, mTLS frontend (curl resumes its TLS sessions)"
                : Report.LABEL.get(path);
    }

    /** The section, or "" if the run has no curl figures. */
    static String markdown(Results res) {
        if (res.num("curl.direct.per_second") == null && res.num("curl.tunnel_plain.per_second") == null) {
            return "";
        }
        StringBuilder md = new StringBuilder("## 7. curl as the client\n\n");
        md.append(fmt("One `curl --parallel --parallel-max %s -H 'Connection: close'` process per path fetches "
                        + "`/tiny?n=[1-%,.0f]` from nginx through a new `CONNECT` tunnel per request (`-p -x`; the mTLS "
                        + "frontend as `https://` with a client certificate), after %s × %s warm-up tunnels. CPU per "
                        + "tunnel is each process's user + system time over the measured round (from `/proc`) divided "
                        + "by its tunnels; *curl* is the client itself: when it nears 100 %% of a core, curl is the "
                        + "bottleneck and the tunnels/s figure is curl's, not the proxy's. curl's `--parallel` "
                        + "waits, before it opens another connection to a host, to learn whether the first can "
                        + "multiplex (`CURLOPT_PIPEWAIT`): through an HTTP/1.1 proxy that is one transfer at a time, "
                        + "so those rows measure how long one tunnel takes.%s\n\n",
                res.get("meta.curl_parallel"), orZero(res.num("meta.curl_count")),
                res.get("meta.curl_warmup_rounds"), res.get("meta.curl_warmup"),
                hasImmediate(res) ? fmt(" The rows marked `--parallel-immediate` have the %s transfers really in "
                        + "flight at once.", res.get("meta.curl_parallel")) : ""));
        md.append("| Path | tunnels/s | 200s | new connections (curl) | CONNECTs answered (server) | CPU ms/tunnel: "
                + "server | agent | tinyproxy | proxy in all | curl | nginx | curl % of a core | machine busy |\n"
                + "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (String p : PATHS) {
            String k = "curl." + p + ".";
            Double rate = res.num(k + "per_second");
            if (rate == null) {
                continue;
            }
            double count = orZero(res.num(k + "count"));
            md.append("| ").append(label(p)).append(" | ").append(fmt("%,.0f", rate)).append(" | ")
                    .append(checked(res.num(k + "ok"), count)).append(" | ")
                    .append(checked(res.num(k + "connects"), count)).append(" | ")
                    .append(res.has(k + "server_connects") ? checked(res.num(k + "server_connects"), count) : "–");
            for (String proc : PROCESSES) {
                md.append(" | ").append(res.has(k + "cpu_s." + proc) && count > 0
                        ? fmt("%.3f", orZero(res.num(k + "cpu_s." + proc)) * 1000 / count) : "–");
                if (proc.equals("tinyproxy")) {
                    md.append(" | ").append(p.startsWith("direct") || count == 0 ? "–" : fmt("**%.3f**", proxyMs(res, p)));
                }
            }
            double secs = orZero(res.num(k + "seconds"));
            md.append(" | ").append(secs == 0 ? "–" : fmt("%.0f %%", 100 * orZero(res.num(k + "cpu_s.curl")) / secs))
                    .append(" | ").append(fmt("%.0f %%", orZero(res.num(k + "machine_busy_pct")))).append(" |\n");
        }
        md.append('\n');
        md.append(String.join(" ", Stream.of(againstTinyproxy(res, "", "Plaintext frontend against tinyproxy"),
                againstTinyproxy(res, IMMEDIATE, "With `--parallel-immediate`")).filter(x -> !x.isEmpty()).toList()));
        if (res.has("curl.tunnel_mtls.tls_session_reused")) {
            md.append(fmt(" Of two sequential transfers through the mTLS frontend, curl resumed the second's TLS "
                            + "session: %s by default, %s with `--no-sessionid`.",
                    yes(res.num("curl.tunnel_mtls.tls_session_reused")),
                    yes(res.num("curl.tunnel_mtls_full.tls_session_reused"))));
        }
        return md.append("\n\n").toString();
    }

    private static boolean hasImmediate(Results res) {
        return Stream.of(PATHS).anyMatch(p -> p.endsWith(IMMEDIATE) && res.has("curl." + p + ".per_second"));
    }

    /** "WHAT: R × its tunnels/s, R × its CPU per tunnel." for the paths ending in {@code suffix}, or "". */
    private static String againstTinyproxy(Results res, String suffix, String what) {
        Double plain = res.num("curl.tunnel_plain" + suffix + ".per_second");
        Double tiny = res.num("curl.tinyproxy" + suffix + ".per_second");
        double tinyMs = proxyMs(res, "tinyproxy" + suffix);
        if (plain == null || tiny == null || tiny == 0 || tinyMs == 0) {
            return "";
        }
        return fmt("%s: %.2f × its tunnels/s, %.2f × its CPU per tunnel.", what, plain / tiny,
                proxyMs(res, "tunnel_plain" + suffix) / tinyMs);
    }

    /** Server + agent (or tinyproxy) CPU per tunnel of a path's measured round, in ms; 0 without figures. */
    static double proxyMs(Results res, String path) {
        return Report.proxyMsPerTunnel(res, "curl." + path);
    }

    /** A count that must equal the tunnels of the round: the number, and a warning when it does not. */
    private static String checked(Double value, double count) {
        if (value == null) {
            return "–";
        }
        return value == count ? fmt("%,.0f", value) : fmt("**%,.0f (expected %,.0f)**", value, count);
    }

    private static String yes(Double reused) {
        return reused == null ? "not checked" : reused > 0 ? "yes" : "no";
    }
}
