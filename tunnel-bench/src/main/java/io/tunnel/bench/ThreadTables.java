package io.tunnel.bench;

import static io.tunnel.bench.Report.fmt;
import static io.tunnel.bench.Report.mib;
import static io.tunnel.bench.Report.mibs;
import static io.tunnel.bench.Report.orZero;

/**
 * Section 8 of the report, "one agent, many streams" (issue 15, target 6): concurrent bulk downloads through the one
 * agent of the mTLS pair, and which threads of server and agent carried them.
 */
final class ThreadTables {
    /** Linux keeps a thread's name ({@code /proc/PID/task/TID/comm}) to this many characters. */
    static final int COMM_LENGTH = 15;
    /**
     * The least CPU (% of a core) shown for threads that ended during the run: the process's total less its threads'
     * sum, which the ticks' rounding alone makes differ by a little.
     */
    static final double ENDED_SHOWN = 1.0;

    private ThreadTables() {
    }

    /** The section, or "" if the run has no such figures. */
    static String markdown(Results res, Double singleStreamMtls) {
        Double rate = res.num("many.bytes_per_second");
        if (rate == null) {
            return "";
        }
        int streams = (int) orZero(res.num("many.streams"));
        double secs = orZero(res.num("many.seconds"));
        StringBuilder md = new StringBuilder("## 8. One agent, many streams\n\n");
        md.append(fmt("%d curl processes at once each download the large file through the mTLS frontend (so %d "
                        + "frontend TLS connections, %d streams on the one agent link) for %.1f s (`--max-time`; "
                        + "a stream that finished earlier is counted under *finished early*). Per-thread CPU from "
                        + "`/proc/PID/task/*/stat` over the run, in %% of one core; the link's event loop is the thread "
                        + "that logged most of the streams' access-log lines (a stream ends on its link's loop), else "
                        + "the one that logged the link's start.\n\n", streams, streams, streams, secs));
        md.append("| streams | aggregate | per stream min / max | 200s | finished early | single stream (section 1) | "
                + "server CPU | agent CPU | curl CPU | machine busy |\n|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|\n");
        md.append("| ").append(streams).append(" | ").append(mibs(rate)).append(" | ")
                .append(mib(orZero(res.num("many.stream_min_bytes")))).append(" / ")
                .append(mib(orZero(res.num("many.stream_max_bytes")))).append(" | ")
                .append(fmt("%.0f", orZero(res.num("many.http_200")))).append(" | ")
                .append(fmt("%.0f", orZero(res.num("many.finished_early")))).append(" | ")
                .append(singleStreamMtls == null ? "–" : mibs(singleStreamMtls)).append(" | ")
                .append(corePct(res, "many.cpu_s.server", secs)).append(" | ")
                .append(corePct(res, "many.cpu_s.agent", secs)).append(" | ")
                .append(corePct(res, "many.cpu_s.curl", secs)).append(" | ")
                .append(fmt("%.0f %%", orZero(res.num("many.machine_busy_pct")))).append(" |\n\n");
        md.append("| process | thread | CPU % of one core | the agent link's event loop |\n|---|---|---:|---|\n");
        for (String side : new String[] {"server", "agent"}) {
            String k = "many." + side + ".";
            String link = res.get(k + "link_thread");
            String linkComm = link.length() > COMM_LENGTH ? link.substring(0, COMM_LENGTH) : link;
            double listed = orZero(res.num(k + "other_threads_cpu_pct"));
            for (int i = 1; res.has(k + "thread" + i + ".name"); i++) {
                String name = res.get(k + "thread" + i + ".name");
                double pct = orZero(res.num(k + "thread" + i + ".cpu_pct"));
                listed += pct;
                md.append("| tunnel-").append(side).append(" | `").append(name).append("` | ")
                        .append(fmt("%.1f", pct)).append(" | ")
                        .append(!link.isEmpty() && name.equals(linkComm) ? "**yes**" : "").append(" |\n");
            }
            md.append("| tunnel-").append(side).append(" | all other threads | ")
                    .append(fmt("%.1f", orZero(res.num(k + "other_threads_cpu_pct")))).append(" | |\n");
            // The process's own total also holds the CPU of threads that ended before the run did (JIT compilers).
            Double total = res.num("many.cpu_s." + side);
            if (total != null && secs > 0) {
                double ended = 100 * total / secs - listed;
                if (ended >= ENDED_SHOWN) {
                    md.append("| tunnel-").append(side).append(" | threads that ended during the run | ")
                            .append(fmt("%.1f", ended)).append(" | |\n");
                }
            }
        }
        return md.append('\n').toString();
    }

    private static String corePct(Results res, String key, double secs) {
        return secs == 0 || !res.has(key) ? "–" : fmt("%.0f %%", 100 * orZero(res.num(key)) / secs);
    }
}
