package io.tunnel.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The load generator's modes against a fake proxy on loopback: tunnels through the client library, results out. */
class LoadGenTest {
    private FakeProxy proxy;
    private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();

    @TempDir
    Path tmp;

    @AfterEach
    void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
    }

    /** Runs {@code args} (tag "t"); returns the exit code. */
    private int loadgen(String... args) throws InterruptedException {
        Options opts = Options.parse(args);
        return LoadGen.run(opts, new Output("t", new PrintStream(stdout, true, StandardCharsets.UTF_8),
                new PrintStream(stderr, true, StandardCharsets.UTF_8)));
    }

    private Map<String, String> results() {
        Map<String, String> results = new LinkedHashMap<>();
        stdout.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("RESULT t.")).forEach(l -> {
            int tab = l.indexOf('\t');
            results.put(l.substring("RESULT t.".length(), tab), l.substring(tab + 1));
        });
        return results;
    }

    @Test
    void rateOpensEveryTunnelThroughThePlaintextProxy() throws Exception {
        proxy = FakeProxy.proxy(FakeProxy.ESTABLISHED);
        assertThat(loadgen("rate", "--via", "plain", "--proxy", proxy.address(), "--target", "10.0.0.1:80",
                "--count", "40", "--concurrency", "4", "--warmup", "8", "--warmup-rounds", "1")).isZero();
        Map<String, String> r = results();
        assertThat(r).containsEntry("ok", "40").containsEntry("failed", "0").containsEntry("warmup_rounds", "1")
                .containsEntry("conn_count", "40").containsEntry("tls_sessions_reused", "0")
                .containsKeys("per_second", "loadgen_cpu_s", "loadgen_alloc_bytes", "conn_p50_us", "conn_p99_us",
                        "machine_busy_pct");
        assertThat(Double.parseDouble(r.get("per_second"))).isPositive();
    }

    @Test
    void bytesThatCameWithTheProxysAnswerReachTheConnection() throws Exception {
        proxy = FakeProxy.eagerProxy();
        assertThat(loadgen("rate", "--via", "plain", "--proxy", proxy.address(), "--target", "10.0.0.1:80",
                "--count", "20", "--concurrency", "2", "--warmup", "0")).isZero();
        assertThat(results()).containsEntry("ok", "20").containsEntry("failed", "0");
    }

    @Test
    void refusedTunnelsAreCountedAndNamed() throws Exception {
        proxy = FakeProxy.proxy("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n");
        assertThat(loadgen("rate", "--via", "plain", "--proxy", proxy.address(), "--target", "10.0.0.1:80",
                "--count", "10", "--concurrency", "2", "--warmup", "0")).isEqualTo(1);
        assertThat(results()).containsEntry("ok", "0").containsEntry("failed", "10");
        assertThat(stderr.toString(StandardCharsets.UTF_8))
                .contains("error: io.tunnel.client.NoAgentException: proxy answered 503 Service Unavailable "
                        + "for 10.0.0.1:80");
    }

    /**
     * Over TLS the run names the key exchange groups its handshakes agreed on, and {@code --groups} is what the
     * client offers: the JDK's TLS server here takes the first group offered that it supports.
     */
    @Test
    void rateOverTlsOffersTheGroupsAskedForAndNamesTheOneAgreed() throws Exception {
        X509Bundle ca = new CertificateBuilder().subject("CN=ca").setIsCertificateAuthority(true).ecp256()
                .buildSelfSigned();
        X509Bundle server = new CertificateBuilder().subject("CN=proxy").addSanIpAddress("127.0.0.1").ecp256()
                .addExtendedKeyUsageServerAuth().buildIssuedBy(ca);
        X509Bundle client = new CertificateBuilder().subject("CN=client").ecp256().addExtendedKeyUsageClientAuth()
                .buildIssuedBy(ca);
        SSLContext tls = SSLContext.getInstance("TLSv1.3");
        tls.init(server.toKeyManagerFactory().getKeyManagers(), null, null);
        proxy = FakeProxy.tlsProxy(tls);
        String[] common = {"rate", "--via", "tls", "--proxy", proxy.address(), "--target", "10.0.0.1:80",
                "--pin", server.toTempCertChainPem().getPath(), "--cert", client.toTempCertChainPem().getPath(),
                "--key", client.toTempPrivateKeyPem().getPath(), "--count", "6", "--concurrency", "2", "--warmup", "0"};
        for (String[] offered : new String[][] {{"secp256r1", "P-256"}, {"x25519,secp256r1", "X25519"}}) {
            stdout.reset();
            String[] args = Arrays.copyOf(common, common.length + 2);
            args[common.length] = "--groups";
            args[common.length + 1] = offered[0];
            assertThat(loadgen(args)).isZero();
            assertThat(results()).as(offered[0]).containsEntry("ok", "6").containsEntry("tls_groups", offered[1]);
        }
        assertThat(stderr.toString(StandardCharsets.UTF_8)).contains("key exchange groups x25519,secp256r1");
    }

    @Test
    void rateConnectsDirectlyWithoutAProxy() throws Exception {
        proxy = FakeProxy.destination();
        assertThat(loadgen("rate", "--via", "direct", "--target", proxy.address(), "--count", "20",
                "--concurrency", "2", "--warmup", "0")).isZero();
        assertThat(results()).containsEntry("ok", "20").containsEntry("failed", "0");
    }

    @Test
    void latencyMeasuresSequentialRequestsInOneTunnel() throws Exception {
        proxy = FakeProxy.proxy(FakeProxy.ESTABLISHED);
        assertThat(loadgen("latency", "--via", "plain", "--proxy", proxy.address(), "--target", "10.0.0.1:80",
                "--count", "50", "--warmup", "5")).isZero();
        Map<String, String> r = results();
        assertThat(r).containsEntry("count", "50").containsEntry("bad_status", "0")
                .containsKeys("p50_us", "p90_us", "p99_us", "p999_us", "max_us", "mean_us", "requests_per_second");
        assertThat(Double.parseDouble(r.get("p50_us"))).isPositive();
    }

    @Test
    void idleHoldsTunnelsUntilTold() throws Exception {
        proxy = FakeProxy.proxy(FakeProxy.ESTABLISHED);
        Files.createFile(tmp.resolve("go.6"));
        assertThat(loadgen("idle", "--via", "plain", "--proxy", proxy.address(), "--target", "10.0.0.1:80",
                "--counts", "3,6", "--concurrency", "2", "--control-dir", tmp.toString(),
                "--max-hold-seconds", "0")).isZero();
        assertThat(results()).containsEntry("3.opened", "3").containsEntry("6.opened", "6")
                .containsEntry("6.failed", "0").containsEntry("6.alive_after_hold", "6");
        assertThat(stdout.toString(StandardCharsets.UTF_8)).contains("READY 3 3\n", "READY 6 6\n");
    }

    @Test
    void aBadCommandLineIsExitCodeTwo() throws Exception {
        assertThat(LoadGen.run("rate", "stray")).isEqualTo(2);
        assertThat(loadgen("nonsense", "--via", "direct", "--target", "127.0.0.1:1")).isEqualTo(1);
    }
}
