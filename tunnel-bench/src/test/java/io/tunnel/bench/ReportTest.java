package io.tunnel.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report of a small, made-up run: targets judged from the results, sections only for what was measured. */
class ReportTest {
    private static final double MIB = 1024 * 1024;

    @TempDir
    Path tmp;

    private static List<String> run(String nproc) {
        return List.of(
                "meta.quick\t1",
                "meta.nproc\t" + nproc,
                "meta.date\t2026-12-01T00:00:00Z",
                "tp.direct.run1.bytes\t1073741824", "tp.direct.run1.bytes_per_second\t" + (long) (1400 * MIB),
                "tp.direct.run2.bytes\t1073741824", "tp.direct.run2.bytes_per_second\t" + (long) (1600 * MIB),
                "tp.tunnel_mtls.run1.bytes\t1073741824", "tp.tunnel_mtls.run1.bytes_per_second\t" + (long) (650 * MIB),
                "tp.tunnel_mtls.run2.bytes\t1073741824", "tp.tunnel_mtls.run2.bytes_per_second\t" + (long) (550 * MIB),
                "tp.tunnel_mtls.run1.machine_busy_pct\t90", "tp.tunnel_mtls.run2.machine_busy_pct\t94",
                "tp.tinyproxy.run1.bytes\t1073741824", "tp.tinyproxy.run1.bytes_per_second\t" + (long) (200 * MIB),
                "rate.tunnel_mtls.per_second\t900.5", "rate.tunnel_mtls.ok\t18000", "rate.tunnel_mtls.failed\t0",
                "rate.tunnel_mtls.cpu_s.server\t6.0", "rate.tunnel_mtls.cpu_s.agent\t3.0",
                "rate.tunnel_mtls.concurrency\t64",
                "rate.tinyproxy.per_second\t6000");
    }

    private static Report report(List<String> lines, Path profiles) {
        Results results = Results.parse(lines);
        return new Report(results, profiles, Report.cores(results));
    }

    @Test
    void targetsAreJudgedFromTheMediansAndRates() throws IOException {
        Report report = report(run("2"), tmp);
        // mTLS 900/s at 64 in flight (miss), 0.5 ms CPU per tunnel (pass, at the limit); mTLS median 600 MiB/s:
        // direct median 1,500 MiB/s (40 %: miss), tinyproxy 200 MiB/s (3.00 ×: pass).
        assertThat(report.targets()).extracting(t -> t.id() + "=" + t.pass())
                .containsExactly("new_tunnels=false", "mtls_cpu_per_tunnel=true", "throughput_vs_direct=false",
                        "throughput_vs_tinyproxy=true");
        String md = report.markdown("");
        assertThat(md).contains("**BENCH_QUICK=1: smoke sizes, not a measurement**")
                .contains("| 5. Single-stream throughput, mTLS on both legs, ≥ 45 % of direct | 600 MiB/s | "
                        + "direct 1,500 MiB/s | 40 % | **MISS** |")
                .contains("| 5. Single-stream throughput, mTLS on both legs, ≥ 2.5 × tinyproxy | 600 MiB/s | "
                        + "tinyproxy 200 MiB/s | 3.00 × | **PASS** |")
                .contains("| 2. New mTLS tunnels ≥ 2,000/s (LoadGen, 64 in flight, full handshakes) | 901/s |")
                .contains("| 2. Proxy (server + agent) CPU ≤ 0.5 ms per new mTLS tunnel | 0.500 ms |")
                .contains("### MISS: 2. New mTLS tunnels ≥ 2,000/s")
                .contains("server 0.333 ms CPU, agent 0.167 ms CPU")
                .doesNotContain("## 3. Request/response latency").doesNotContain("## 4. Idle streams")
                .doesNotContain("## 7. curl").doesNotContain("## 8. One agent").doesNotContain("## 9. Memory")
                .doesNotContain("## 10. Runnable jars");
        assertThat(report.misses()).hasSize(2);
    }

    @Test
    void theMtlsRateTargetIsNotJudgedAtAnotherConcurrency() {
        List<String> at32 = run("2").stream().map(l -> l.replace("rate.tunnel_mtls.concurrency\t64",
                "rate.tunnel_mtls.concurrency\t32")).toList();
        Report.Target t = report(at32, tmp).targets().get(0);
        assertThat(t.id()).isEqualTo("new_tunnels");
        assertThat(t.pass()).isNull();
        assertThat(t.title()).endsWith("(run at 32 in flight)");
    }

    @Test
    void theClassicalKeyExchangeRunIsShownBesideTheDefaultWithWhatTheHybridCost() throws IOException {
        List<String> lines = new ArrayList<>(run("2"));
        lines.addAll(List.of("rate.tunnel_mtls.tls_groups\tX25519MLKEM768", "rate.tunnel_mtls.loadgen_cpu_s\t12",
                "rate.tunnel_mtls_classic.per_second\t1100", "rate.tunnel_mtls_classic.ok\t18000",
                "rate.tunnel_mtls_classic.cpu_s.server\t4.5", "rate.tunnel_mtls_classic.cpu_s.agent\t3.0",
                "rate.tunnel_mtls_classic.loadgen_cpu_s\t9", "rate.tunnel_mtls_classic.tls_groups\tX25519",
                "rate.tunnel_mtls.after.server_rss_kb\t122880", "rate.tunnel_mtls.after.agent_rss_kb\t102400"));
        assertThat(report(lines, tmp).markdown(""))
                .contains("| tunnel, mTLS frontend (TLS on both legs), key exchange X25519MLKEM768 | 901 |")
                .contains("| tunnel, mTLS frontend, client offering classical groups only, key exchange X25519 | 1,100 |")
                .contains("(`--groups x25519,secp256r1`; key exchange X25519 instead of X25519MLKEM768): 1,100/s, "
                        + "server 0.250 + agent 0.167 ms, load generator 0.500 ms per tunnel. The default against "
                        + "it, per handshake in this run: server +0.083 ms, load generator +0.167 ms.")
                .contains("After these runs (36,000 measured mTLS tunnels and their warm-ups) the mTLS pair's RSS: "
                        + "server 120 MiB, agent 100 MiB.");
    }

    @Test
    void theMachinesCoresComeFromTheRun() throws IOException {
        assertThat(report(run("8"), tmp).markdown(""))
                .contains("(8 cores = 100 %)").contains("share the same 8 cores").doesNotContain("2 cores");
        assertThat(report(run("2"), tmp).markdown("")).contains("(2 cores = 100 %)");
        List<String> noNproc = run("").stream().filter(l -> !l.startsWith("meta.nproc")).toList();
        assertThat(Report.cores(Results.parse(noNproc))).isEqualTo(Runtime.getRuntime().availableProcessors());
    }

    @Test
    void theSingleStreamsCpuLimitComesFromTheDirectPathAndTheAesSpeedOfTheSameRun() throws IOException {
        assertThat(report(run("2"), tmp).cpuLimit()).as("no AES speed recorded").isNull();
        List<String> lines = new ArrayList<>(run("2"));
        lines.addAll(List.of("tp.direct.run1.cpu_s.curl\t0.5", "tp.direct.run1.cpu_s.nginx\t0.25",
                "tp.direct.run2.cpu_s.curl\t0.5", "tp.direct.run2.cpu_s.nginx\t0.25",
                "crypto.aes-128-gcm.bytes_per_second\t" + (long) (4096 * MIB)));
        // a hop costs 1.5 CPU-s / 2 GiB = 0.75, a pass 0.25: 3 x 0.75 + 4 x 0.25 = 3.25 CPU-s/GiB on 2 cores
        assertThat(report(lines, tmp).cpuLimit())
                .contains("3 loopback hops × 0.75 CPU-s/GiB").contains("4 AES-GCM passes × 0.25 CPU-s/GiB")
                .contains("= 3.25 CPU-s/GiB, so at most 630 MiB/s").contains("the tunnel ran at 600 MiB/s, 95 %");
        assertThat(report(lines, tmp).markdown("")).contains("CPU limit of the mTLS stream on 2 cores");
    }

    @Test
    void analysisAndProfilesAreIncluded() throws IOException {
        Files.writeString(tmp.resolve("rate.md"), "### Profile: new mTLS tunnels\n", StandardCharsets.UTF_8);
        String md = report(run("2"), tmp).markdown("\n## Analysis by hand\n\nWords.\n\n");
        assertThat(md).contains("### Profile: new mTLS tunnels").contains("## Analysis by hand\n\nWords.\n\n")
                .doesNotContain("## Appendix");
    }

    @Test
    void jsonHoldsTargetsDerivedMediansAndEveryRawResult() {
        String json = report(run("2"), tmp).json();
        assertThat(json).startsWith("{\n  \"targets\": {\n    \"new_tunnels\": {\n")
                .contains("\"result\": \"MISS\"").contains("\"result\": \"PASS\"")
                .contains("\"throughput_median_bytes_per_second\": {")
                .contains("\"per_second\": 900.5")
                .contains("\"nproc\": 2");
    }

    @Test
    void runWritesBothFilesAndRefusesAWrongCommandLine() throws Exception {
        Path results = tmp.resolve("results.tsv");
        Files.write(results, run("2"), StandardCharsets.UTF_8);
        Path analysis = tmp.resolve("analysis.md");
        Files.writeString(analysis, "## Analysis by hand\n", StandardCharsets.UTF_8);
        Path md = tmp.resolve("out.md");
        Path json = tmp.resolve("out.json");
        assertThat(Report.run(results.toString(), tmp.toString(), md.toString(), json.toString(), analysis.toString()))
                .isZero();
        assertThat(Files.readString(md)).startsWith("# Benchmark").contains("## Analysis by hand");
        assertThat(Files.readString(json)).startsWith("{").endsWith("}\n");
        assertThat(Report.run(results.toString())).isEqualTo(2);
    }
}
