package io.tunnel.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sections 7–10 of the report (curl as the client, many streams, memory, jars) from made-up results. */
class SectionTablesTest {

    @TempDir
    Path tmp;

    @Test
    void curlSectionDividesEachProcesssCpuByItsTunnelsAndFlagsMissingTunnels() {
        Results res = Results.parse(List.of(
                "meta.curl_count\t3000", "meta.curl_parallel\t16", "meta.curl_warmup_rounds\t2",
                "meta.curl_warmup\t1000",
                "curl.tunnel_plain.count\t3000", "curl.tunnel_plain.per_second\t1500.5", "curl.tunnel_plain.ok\t3000",
                "curl.tunnel_plain.connects\t3000", "curl.tunnel_plain.server_connects\t2999",
                "curl.tunnel_plain.seconds\t2.0", "curl.tunnel_plain.cpu_s.server\t0.75",
                "curl.tunnel_plain.cpu_s.agent\t0.45", "curl.tunnel_plain.cpu_s.curl\t1.9",
                "curl.tunnel_plain.cpu_s.nginx\t0.3", "curl.tunnel_plain.machine_busy_pct\t97",
                "curl.tinyproxy.count\t3000", "curl.tinyproxy.per_second\t1800", "curl.tinyproxy.ok\t2998",
                "curl.tinyproxy.connects\t3000", "curl.tinyproxy.seconds\t1.0", "curl.tinyproxy.cpu_s.tinyproxy\t0.6",
                "curl.tinyproxy.cpu_s.curl\t0.5", "curl.tinyproxy.cpu_s.nginx\t0.3",
                "curl.tunnel_mtls.tls_session_reused\t1", "curl.tunnel_mtls_full.tls_session_reused\t0",
                "curl.tunnel_plain_imm.count\t3000", "curl.tunnel_plain_imm.per_second\t2400",
                "curl.tunnel_plain_imm.ok\t3000", "curl.tunnel_plain_imm.seconds\t1.25",
                "curl.tunnel_plain_imm.cpu_s.server\t0.6", "curl.tunnel_plain_imm.cpu_s.agent\t0.6",
                "curl.tinyproxy_imm.count\t3000", "curl.tinyproxy_imm.per_second\t2500",
                "curl.tinyproxy_imm.ok\t3000", "curl.tinyproxy_imm.cpu_s.tinyproxy\t0.75"));
        String md = CurlTables.markdown(res);
        assertThat(md).startsWith("## 7. curl as the client\n\n")
                .contains("`curl --parallel --parallel-max 16 -H 'Connection: close'`")
                .contains("`/tiny?n=[1-3,000]`").contains("after 2 × 1000 warm-up tunnels")
                // server 0.250, agent 0.150, proxy 0.400, curl 0.633, nginx 0.100 ms; curl at 95 % of a core
                .contains("| tunnel, plaintext frontend | 1,501 | 3,000 | 3,000 | **2,999 (expected 3,000)** | 0.250 | "
                        + "0.150 | – | **0.400** | 0.633 | 0.100 | 95 % | 97 % |")
                .contains("| tinyproxy | 1,800 | **2,998 (expected 3,000)** | 3,000 | – | – | – | 0.200 | **0.200** | "
                        + "0.167 | 0.100 | 50 % | 0 % |")
                .contains("0.83 × its tunnels/s, 2.00 × its CPU per tunnel")
                .contains("one transfer at a time").contains("have the 16 transfers really in flight at once")
                // with --parallel-immediate: 0.4 ms against 0.25 ms per tunnel, 2,400 against 2,500 tunnels/s
                .contains("| tunnel, plaintext frontend, `--parallel-immediate` | 2,400 | 3,000 |")
                .contains("| tinyproxy, `--parallel-immediate` | 2,500 |")
                .contains("With `--parallel-immediate`: 0.96 × its tunnels/s, 1.60 × its CPU per tunnel.")
                .contains("resumed the second's TLS session: yes by default, no with `--no-sessionid`")
                .doesNotContain("direct (no proxy)");
        assertThat(CurlTables.markdown(Results.parse(List.of("meta.quick\t1")))).isEmpty();
    }

    @Test
    void manyStreamsSectionMarksTheLinksEventLoopByItsTruncatedName() {
        Results res = Results.parse(List.of(
                "many.streams\t8", "many.seconds\t10.0", "many.bytes_per_second\t" + 400L * 1024 * 1024,
                "many.stream_min_bytes\t" + 400L * 1024 * 1024, "many.stream_max_bytes\t" + 600L * 1024 * 1024,
                "many.http_200\t8", "many.finished_early\t0", "many.cpu_s.server\t9.9", "many.cpu_s.agent\t7",
                "many.cpu_s.curl\t6", "many.machine_busy_pct\t99",
                "many.server.link_thread\tserver-io-3-1", "many.agent.link_thread\tagent-event-loop-1-2",
                "many.server.thread1.name\tserver-io-3-1", "many.server.thread1.cpu_pct\t92.5",
                "many.server.thread2.name\tC2_CompilerThre", "many.server.thread2.cpu_pct\t1.2",
                "many.server.other_threads_cpu_pct\t0.3",
                "many.agent.thread1.name\tagent-event-loo", "many.agent.thread1.cpu_pct\t70",
                "many.agent.other_threads_cpu_pct\t0"));
        String md = ThreadTables.markdown(res, 300.0 * 1024 * 1024);
        assertThat(md).startsWith("## 8. One agent, many streams\n\n")
                .contains("| 8 | 400 MiB/s | 400 MiB / 600 MiB | 8 | 0 | 300 MiB/s | 99 % | 70 % | 60 % | 99 % |")
                .contains("| tunnel-server | `server-io-3-1` | 92.5 | **yes** |")
                .contains("| tunnel-server | `C2_CompilerThre` | 1.2 |  |")
                .contains("| tunnel-server | all other threads | 0.3 | |")
                .contains("| tunnel-agent | `agent-event-loo` | 70.0 | **yes** |")
                // the server's 99 % of a core less its threads' 94 %: 5 % in threads that ended; the agent's 70 %
                // is all in its threads
                .contains("| tunnel-server | all other threads | 0.3 | |\n"
                        + "| tunnel-server | threads that ended during the run | 5.0 | |\n")
                .doesNotContain("| tunnel-agent | threads that ended");
        assertThat(ThreadTables.markdown(Results.parse(List.of()), null)).isEmpty();
    }

    @Test
    void memorySectionShowsBothOptionSetsAtEveryReadingAndTinyproxy() {
        Results res = Results.parse(List.of(
                "meta.mem_start\t5", "meta.mem_settle\t20", "meta.mem_later\t10",
                "mem.no_options.jvm_opts\t", "mem.recommended.jvm_opts\t-Xms32m -Xmx512m ",
                "mem.no_options.started.server_rss_kb\t112640", "mem.no_options.started.agent_rss_kb\t61440",
                "mem.no_options.idle.server_rss_kb\t102400", "mem.no_options.idle.agent_rss_kb\t51200",
                "mem.no_options.idle.server_threads\t25", "mem.no_options.idle.agent_threads\t28",
                "mem.no_options.idle.server_classes\t5276", "mem.no_options.idle.agent_classes\t5329",
                "mem.no_options.idle.server_heap_committed_kb\t81920",
                "mem.no_options.idle.agent_heap_committed_kb\t40960",
                "mem.no_options.idle.server_metaspace_kb\t24448", "mem.no_options.idle.agent_metaspace_kb\t24256",
                "mem.no_options.server_nmt\toff", "mem.no_options.agent_nmt\toff",
                "mem.no_options.load.ok\t3000", "mem.no_options.load.per_second\t1000",
                "mem.no_options.load.cpu_s.server\t3", "mem.no_options.load.cpu_s.agent\t1.5",
                "meta.curl_count\t3000",
                "mem.recommended.idle.server_rss_kb\t92160", "mem.recommended.idle.agent_rss_kb\t61440",
                "mem.recommended.server_nmt\toff", "mem.recommended.agent_nmt\toff",
                "mem.tinyproxy.idle.rss_kb\t3060", "mem.tinyproxy.loaded.rss_kb\t4096",
                "mem.tinyproxy.later.rss_kb\t4096", "mem.tinyproxy.later.threads\t1"));
        String md = FootprintTables.memory(res);
        assertThat(md).startsWith("## 9. Memory with no JVM options and with the recommended ones\n\n")
                .contains("*started*: linked, no stream, 5 s after both are ready; *idle*: the same, 20 s after")
                .contains("*later*: 10 s after that").contains("then 3,000 tunnels")
                .contains("| none | started | 110 MiB | 60 MiB | **170 MiB** |")
                .contains("Native memory tracking: off in every JVM")
                .contains("| none | idle | 100 MiB | 50 MiB | **150 MiB** | 25 / 28 | 5276 / 5329 | 80 MiB / 40 MiB | "
                        + "24 MiB / 24 MiB |")
                .contains("| `-Xms32m -Xmx512m` | idle | 90 MiB | 60 MiB | **150 MiB** |")
                .doesNotContain("| `-Xms32m -Xmx512m` | later |") // a reading the run did not take
                .contains("no options: 1,000 tunnels/s, server 1.000 + agent 0.500 ms CPU per tunnel")
                .contains("tinyproxy (the run's one, after the earlier sections) beside them: 3 MiB before the same "
                        + "load, 4 MiB just after, 4 MiB later, 1 thread(s).");
        List<String> nmtOn = List.of("mem.recommended.idle.server_rss_kb\t1", "mem.recommended.agent_nmt\ton");
        assertThat(FootprintTables.memory(Results.parse(nmtOn))).contains("**on in at least one JVM")
                .contains("*idle*: linked, no stream, ").doesNotContain("*started*"); // a run from before that reading
        assertThat(FootprintTables.memory(Results.parse(List.of()))).isEmpty();
    }

    @Test
    void jarSectionListsTheRunnableJarsAgainstTheLimit() {
        Results res = Results.parse(List.of("jar.tunnel-server.bytes\t12619771", "jar.pki-tool.bytes\t9000000"));
        assertThat(FootprintTables.jars(res)).startsWith("## 10. Runnable jars\n\n")
                .contains("| tunnel-server.jar | 12,619,771 | 12.6 | **no** |")
                .contains("| pki-tool.jar | 9,000,000 | 9.0 | yes |")
                .doesNotContain("tunnel-agent.jar");
        assertThat(FootprintTables.jars(Results.parse(List.of()))).isEmpty();
    }

    @Test
    void theReportCarriesTheNewSectionsInOrder() throws IOException {
        Results res = Results.parse(List.of("meta.quick\t1", "meta.nproc\t2",
                "curl.tunnel_plain.count\t10", "curl.tunnel_plain.per_second\t5", "curl.tunnel_plain.ok\t10",
                "curl.tunnel_plain.seconds\t2", "curl.tunnel_plain.cpu_s.server\t0.03",
                "curl.tunnel_plain.cpu_s.curl\t1", "curl.tinyproxy.count\t10", "curl.tinyproxy.ok\t10",
                "curl.tinyproxy.per_second\t10", "curl.tinyproxy.cpu_s.tinyproxy\t0.01",
                "many.streams\t8", "many.seconds\t1", "many.bytes_per_second\t1",
                "mem.recommended.idle.server_rss_kb\t1", "jar.tunnel-agent.bytes\t1"));
        String md = new Report(res, tmp, 2).markdown("");
        // 3 ms against tinyproxy's 1 ms per tunnel, 0.5 × its rate: both curl targets miss, explained once
        assertThat(md).contains("### MISS: 1. Plaintext, curl `--parallel-max 16` (one tunnel at a time, see section 7): "
                        + "server + agent CPU per tunnel ≤ 2 × tinyproxy's\n\n"
                        + "Per plaintext tunnel with curl: server 3.000 ms CPU, agent 0.000 ms, curl 100.000 ms, "
                        + "nginx 0.000 ms (tinyproxy's path: tinyproxy 1.000 ms, curl 0.000 ms); curl used 50 % of a "
                        + "core, the machine was 0 % busy (2 cores = 100 %).")
                .contains("### MISS: 1. Plaintext, curl `--parallel-max 16` (one tunnel at a time, see section 7): "
                        + "new tunnels/s ≥ 0.8 × tinyproxy's\n\nSame cause");
        assertThat(md.indexOf("## 7. curl")).isPositive().isLessThan(md.indexOf("## 8. One agent"));
        assertThat(md).contains("one transfer at a time").doesNotContain("really in flight"); // no such rows here
        assertThat(md.indexOf("## 8. One agent")).isLessThan(md.indexOf("## 9. Memory"));
        assertThat(md.indexOf("## 9. Memory")).isLessThan(md.indexOf("## 10. Runnable jars"));
        assertThat(md.indexOf("## 10. Runnable jars")).isLessThan(md.indexOf("## What limits the misses"));
    }
}
