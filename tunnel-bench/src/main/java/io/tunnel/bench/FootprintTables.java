package io.tunnel.bench;

import static io.tunnel.bench.Report.fmt;
import static io.tunnel.bench.Report.mib;
import static io.tunnel.bench.Report.orZero;

/**
 * Sections 9 and 10 of the report: the memory of fresh pairs with no JVM options and with the recommended ones (idle,
 * after the curl load, later), beside tinyproxy's; and the size of the runnable jars.
 */
final class FootprintTables {
    /** The option sets of the memory section, as scripts/bench names them under {@code mem.}. */
    static final String[] OPTION_SETS = {"no_options", "recommended"};
    /** The readings of each pair: just started, idle, just after the curl load, and some seconds later. */
    static final String[] POINTS = {"started", "idle", "loaded", "later"};

    private FootprintTables() {
    }

    /** Section 9, or "" if the run has no memory figures. */
    static String memory(Results res) {
        if (res.num("mem.no_options.idle.server_rss_kb") == null && res.num("mem.recommended.idle.server_rss_kb") == null) {
            return "";
        }
        StringBuilder md = new StringBuilder("## 9. Memory with no JVM options and with the recommended ones\n\n");
        md.append("A fresh server + agent pair (plaintext frontend, mTLS agent link) per option set, started with "
                + "`java -jar` and the options shown, nothing else (no `JAVA_TOOL_OPTIONS`). ")
                .append(res.has("meta.mem_start") ? "*started*: linked, no stream, " + res.get("meta.mem_start")
                        + " s after both are ready; *idle*: the same, " : "*idle*: linked, no stream, ")
                .append(res.get("meta.mem_settle")).append(" s after they are ready, once the JIT compilers have gone "
                + "quiet and the native-heap trim of the recommended options has run; *loaded*: just after the curl load "
                + "of section 7 through it (its warm-up rounds, then ").append(fmt("%,.0f",
                orZero(res.num("meta.curl_count")))).append(" tunnels); *later*: ")
                .append(res.get("meta.mem_later")).append(" s after that. RSS is `VmRSS`, read before anything else "
                        + "touches the JVM; threads from `/proc` (not counting jcmd's Attach Listener); classes loaded, "
                        + "heap committed and metaspace + class space committed from the JVM's perf data (`jstat`, "
                        + "which does not attach). Native memory tracking: ").append(nmt(res)).append(".\n\n");
        md.append("| JVM options | reading | server RSS | agent RSS | server + agent | threads server / agent | classes "
                + "server / agent | heap committed server / agent | metaspace server / agent |\n"
                + "|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (String set : OPTION_SETS) {
            String k = "mem." + set + ".";
            if (res.num(k + "idle.server_rss_kb") == null) {
                continue;
            }
            String opts = res.get(k + "jvm_opts").strip();
            for (String point : POINTS) {
                String p = k + point + ".";
                if (res.num(p + "server_rss_kb") == null) {
                    continue; // a run from before the reading was taken
                }
                double s = orZero(res.num(p + "server_rss_kb")) * 1024;
                double a = orZero(res.num(p + "agent_rss_kb")) * 1024;
                md.append("| ").append(opts.isEmpty() ? "none" : "`" + opts + "`").append(" | ").append(point)
                        .append(" | ").append(mib(s)).append(" | ").append(mib(a)).append(" | **")
                        .append(mib(s + a)).append("** | ").append(pair(res, p, "threads")).append(" | ")
                        .append(pair(res, p, "classes")).append(" | ").append(pairMib(res, p, "heap_committed_kb"))
                        .append(" | ").append(pairMib(res, p, "metaspace_kb")).append(" |\n");
            }
        }
        md.append('\n');
        for (String set : OPTION_SETS) {
            String k = "mem." + set + ".load.";
            double ok = orZero(res.num(k + "ok"));
            if (ok > 0) {
                md.append(fmt("The load through the pair with %s: %,.0f tunnels/s, server %.3f + agent %.3f ms CPU "
                                + "per tunnel. ", set.equals("no_options") ? "no options" : "the recommended options",
                        orZero(res.num(k + "per_second")), orZero(res.num(k + "cpu_s.server")) * 1000 / ok,
                        orZero(res.num(k + "cpu_s.agent")) * 1000 / ok));
            }
        }
        if (res.has("mem.tinyproxy.idle.rss_kb")) {
            md.append(fmt("tinyproxy (the run's one, after the earlier sections) beside them: %s before the same load, "
                            + "%s just after, %s later, %s thread(s).",
                    mib(orZero(res.num("mem.tinyproxy.idle.rss_kb")) * 1024),
                    mib(orZero(res.num("mem.tinyproxy.loaded.rss_kb")) * 1024),
                    mib(orZero(res.num("mem.tinyproxy.later.rss_kb")) * 1024),
                    res.get("mem.tinyproxy.later.threads")));
        }
        return md.append("\n\n").toString();
    }

    /** Section 10, or "" if the run recorded no jar. */
    static String jars(Results res) {
        StringBuilder rows = new StringBuilder();
        for (String jar : Targets.JARS) {
            Double bytes = res.num("jar." + jar + ".bytes");
            if (bytes != null) {
                rows.append("| ").append(jar).append(".jar | ").append(fmt("%,.0f", bytes)).append(" | ")
                        .append(fmt("%.1f", bytes / 1e6)).append(" | ")
                        .append(bytes <= Targets.JAR_BYTES ? "yes" : "**no**").append(" |\n");
            }
        }
        if (rows.length() == 0) {
            return "";
        }
        return "## 10. Runnable jars\n\nThe shaded jars as built for this run (`*/target`).\n\n"
                + fmt("| jar | bytes | MB | ≤ %,d bytes |\n|---|---:|---:|---|\n", Targets.JAR_BYTES) + rows + "\n";
    }

    private static String nmt(Results res) {
        boolean any = false;
        for (String set : OPTION_SETS) {
            for (String side : new String[] {"server", "agent"}) {
                String v = res.get("mem." + set + "." + side + "_nmt");
                if (v.equals("on")) {
                    return "**on in at least one JVM (its own overhead is in these figures)**";
                }
                any |= v.equals("off");
            }
        }
        return any ? "off in every JVM (checked with `jcmd VM.native_memory` after the readings)" : "not checked";
    }

    private static String pair(Results res, String prefix, String what) {
        return res.get(prefix + "server_" + what) + " / " + res.get(prefix + "agent_" + what);
    }

    private static String pairMib(Results res, String prefix, String what) {
        return mib(orZero(res.num(prefix + "server_" + what)) * 1024) + " / "
                + mib(orZero(res.num(prefix + "agent_" + what)) * 1024);
    }
}
