package io.tunnel.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Issue 15's targets judged from made-up results: each PASS, MISS or n/a for the reason it should be. */
class TargetsTest {

    /** A run with every figure the targets read, sized as the issue states them. */
    private static List<String> fullRun() {
        return new ArrayList<>(List.of(
                // curl: plaintext 1,500/s at 0.40 ms (server 0.25 + agent 0.15); tinyproxy 1,800/s at 0.20 ms
                "curl.tunnel_plain.count\t3000", "curl.tunnel_plain.ok\t3000", "curl.tunnel_plain.per_second\t1500",
                "curl.tunnel_plain.cpu_s.server\t0.75", "curl.tunnel_plain.cpu_s.agent\t0.45",
                "curl.tinyproxy.count\t3000", "curl.tinyproxy.ok\t3000", "curl.tinyproxy.per_second\t1800",
                "curl.tinyproxy.cpu_s.tinyproxy\t0.6",
                // the same with --parallel-immediate: plaintext 2,000/s at 0.50 ms; tinyproxy 2,000/s at 0.20 ms
                "curl.tunnel_plain_imm.ok\t3000", "curl.tunnel_plain_imm.per_second\t2000",
                "curl.tunnel_plain_imm.cpu_s.server\t0.9", "curl.tunnel_plain_imm.cpu_s.agent\t0.6",
                "curl.tinyproxy_imm.ok\t3000", "curl.tinyproxy_imm.per_second\t2000",
                "curl.tinyproxy_imm.cpu_s.tinyproxy\t0.6",
                // LoadGen: plaintext 2,000/s at 0.5 ms; tinyproxy 4,000/s at 0.2 ms (2.5 ×: miss; 0.5 ×: miss)
                "rate.tunnel_plain.ok\t20000", "rate.tunnel_plain.per_second\t2000",
                "rate.tunnel_plain.cpu_s.server\t6", "rate.tunnel_plain.cpu_s.agent\t4",
                "rate.tinyproxy.ok\t20000", "rate.tinyproxy.per_second\t4000", "rate.tinyproxy.cpu_s.tinyproxy\t4",
                "rate.tunnel_mtls.ok\t20000", "rate.tunnel_mtls.per_second\t2100", "rate.tunnel_mtls.concurrency\t64",
                "rate.tunnel_mtls.cpu_s.server\t8", "rate.tunnel_mtls.cpu_s.agent\t4",
                "rate.tunnel_mtls.tls_groups\tX25519MLKEM768",
                // the client offering classical groups only: 1,900/s at 0.45 ms
                "rate.tunnel_mtls_classic.ok\t20000", "rate.tunnel_mtls_classic.per_second\t1900",
                "rate.tunnel_mtls_classic.concurrency\t64", "rate.tunnel_mtls_classic.tls_groups\tX25519",
                "rate.tunnel_mtls_classic.cpu_s.server\t6", "rate.tunnel_mtls_classic.cpu_s.agent\t3",
                "rate.tunnel_mtls_resumed.ok\t20000", "rate.tunnel_mtls_resumed.per_second\t3000",
                "rate.tunnel_mtls_resumed.tls_sessions_reused\t19990",
                // memory (KiB): recommended idle agent 70 MiB, server 100 MiB; loaded server 150 → later 161 MiB
                "mem.recommended.jvm_opts\t-Xmx64m ", "mem.recommended.load.count\t3000",
                "mem.recommended.idle.server_rss_kb\t102400", "mem.recommended.idle.agent_rss_kb\t71680",
                "mem.recommended.loaded.server_rss_kb\t153600", "mem.recommended.loaded.agent_rss_kb\t122880",
                "mem.recommended.later.server_rss_kb\t164864", "mem.recommended.later.agent_rss_kb\t112640",
                "mem.no_options.jvm_opts\t", "mem.no_options.load.count\t3000",
                "mem.no_options.idle.server_rss_kb\t204800", "mem.no_options.idle.agent_rss_kb\t102400",
                "mem.no_options.loaded.server_rss_kb\t307200", "mem.no_options.loaded.agent_rss_kb\t153600",
                "mem.no_options.later.server_rss_kb\t307200", "mem.no_options.later.agent_rss_kb\t153600",
                // 10,000 mTLS streams: 120 + 100 MiB
                "idle.tunnel_mtls.0.server_rss_kb\t90000", "idle.tunnel_mtls.10000.server_rss_kb\t122880",
                "idle.tunnel_mtls.10000.agent_rss_kb\t102400",
                "jar.tunnel-server.bytes\t12000000", "jar.tunnel-agent.bytes\t12000001",
                "jar.tunnel-client-cli.bytes\t9000000", "jar.pki-tool.bytes\t8000000",
                "tp.direct.run1.bytes\t1", "tp.direct.run1.bytes_per_second\t1000",
                "tp.tunnel_mtls.run1.bytes\t1", "tp.tunnel_mtls.run1.bytes_per_second\t450",
                "tp.tinyproxy.run1.bytes\t1", "tp.tinyproxy.run1.bytes_per_second\t200"));
    }

    private static Map<String, Report.Target> judge(List<String> lines) {
        Results res = Results.parse(lines);
        return new Report(res, null, 2).targets().stream()
                .collect(Collectors.toMap(Report.Target::id, Function.identity(), (a, b) -> a,
                        java.util.LinkedHashMap::new));
    }

    @Test
    void everyTargetOfTheIssueInItsOrderWithItsVerdict() {
        Map<String, Report.Target> t = judge(fullRun());
        assertThat(t.values()).extracting(x -> x.id() + "=" + x.pass()).containsExactly(
                "curl_plain_cpu_per_tunnel=true", "curl_plain_tunnels=true",
                "curl_imm_plain_cpu_per_tunnel=false", "curl_imm_plain_tunnels=true",
                "rate_plain_cpu_per_tunnel=false", "rate_plain_tunnels=false",
                "new_tunnels=true", "mtls_cpu_per_tunnel=false",
                "new_tunnels_classical=false", "mtls_cpu_per_tunnel_classical=true", "tls_resumption=true",
                "agent_idle_rss=true", "server_idle_rss=false", "server_loaded_rss=false", "agent_loaded_rss=true",
                "no_options_rss=null", "idle_rss=true",
                "jar_tunnel_server=true", "jar_tunnel_agent=false", "jar_tunnel_client_cli=true", "jar_pki_tool=true",
                "throughput_vs_direct=true", "throughput_vs_tinyproxy=false");
        assertThat(t.get("curl_plain_cpu_per_tunnel").figure()).isEqualTo("0.400 ms");
        assertThat(t.get("curl_plain_cpu_per_tunnel").peers()).isEqualTo("tinyproxy 0.200 ms");
        assertThat(t.get("curl_plain_tunnels").ratio()).isEqualTo("0.83 ×");
        assertThat(t.get("curl_imm_plain_cpu_per_tunnel").title()).contains("`--parallel-immediate --parallel-max 16`");
        assertThat(t.get("curl_imm_plain_cpu_per_tunnel").ratio()).isEqualTo("2.50 ×");
        assertThat(t.get("mtls_cpu_per_tunnel").figure()).isEqualTo("0.600 ms");
        assertThat(t.get("mtls_cpu_per_tunnel").title()).endsWith("mTLS tunnel, key exchange X25519MLKEM768");
        assertThat(t.get("new_tunnels_classical").title())
                .contains("full handshakes, client offering classical groups only, key exchange X25519)");
        assertThat(t.get("mtls_cpu_per_tunnel_classical").figure()).isEqualTo("0.450 ms");
        assertThat(t.get("agent_idle_rss").title()).contains("≤ 72 MiB").contains("`-Xmx64m`");
        // the larger of just after the load (150 MiB) and later (161 MiB) is judged
        assertThat(t.get("server_loaded_rss").figure()).isEqualTo("161 MiB");
        assertThat(t.get("no_options_rss").figure())
                .isEqualTo("idle: server 200 MiB + agent 100 MiB; after load: server 300 MiB + agent 150 MiB");
        assertThat(t.get("idle_rss").figure()).isEqualTo("220 MiB with 10,000 streams");
        assertThat(t.get("jar_tunnel_agent").figure()).isEqualTo("12,000,001 bytes");
    }

    @Test
    void figuresSmallerThanTheTargetsSizesAreNotJudged() {
        List<String> quick = fullRun().stream()
                .map(l -> l.replace("mem.recommended.load.count\t3000", "mem.recommended.load.count\t1000"))
                .filter(l -> !l.startsWith("idle.tunnel_mtls.10000"))
                .collect(Collectors.toCollection(ArrayList::new));
        quick.addAll(List.of("idle.tunnel_mtls.1000.server_rss_kb\t100000", "idle.tunnel_mtls.1000.agent_rss_kb\t1"));
        Map<String, Report.Target> t = judge(quick);
        assertThat(t.get("server_loaded_rss").pass()).isNull();
        assertThat(t.get("server_loaded_rss").title()).endsWith("(only 1,000 tunnels in this run)");
        assertThat(t.get("agent_loaded_rss").pass()).isNull();
        assertThat(t.get("agent_idle_rss").pass()).as("idle needs no load").isTrue();
        assertThat(t.get("idle_rss").pass()).isNull();
        assertThat(t.get("idle_rss").title()).endsWith("(only 1,000 streams in this run)");
    }

    @Test
    void resumptionMissesWhenNoSessionWasResumed() {
        List<String> none = fullRun().stream().map(l -> l.replace("tls_sessions_reused\t19990",
                "tls_sessions_reused\t0")).toList();
        assertThat(judge(none).get("tls_resumption").pass()).isFalse();
    }

    @Test
    void aRunWithoutTheFiguresHasNoTargets() {
        assertThat(judge(List.of("meta.quick\t1"))).isEmpty();
    }
}
