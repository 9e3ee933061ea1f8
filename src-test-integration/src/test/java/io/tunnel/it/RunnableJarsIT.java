package io.tunnel.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runnable jars as shipped, after the shade filters took out what the tunnel never loads (the parent pom's for
 * Netty, the server's that keeps bcrypt alone of BouncyCastle, pki-tool's): each is at most {@value #MAX_JAR_BYTES}
 * bytes, and none misses what it needs. Together they make a tunnel with the OpenSSL provider on every TLS leg (the
 * certificates from pki-tool's jar, server and agent, the client's jar through the frontend); a client without a
 * certificate logs in with Basic against a bcrypt users file from pki-tool's {@code hash-password}; pki-tool's jar runs
 * every command the README shows; and jdeps finds every class our code reaches in its jar, even on paths no test takes.
 */
class RunnableJarsIT {
    private static final long MAX_JAR_BYTES = 12_000_000;
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String USER = "alice";
    private static final String PASSWORD = "open sesame";
    /** Packages of the optional dependencies of Netty, Log4j and Prometheus: used only when present, never shipped. */
    private static final List<String> OPTIONAL_PACKAGES = List.of("org.slf4j.", "org.apache.log4j.",
            "com.lmax.disruptor.", "org.osgi.", "org.jspecify.", "org.jetbrains.annotations.", "javax.annotation.",
            "io.opentelemetry.", "org.conscrypt.");
    /** Netty reads PEM with BouncyCastle only if BouncyCastle's PKIX is there, which no tunnel jar carries. */
    private static final String NETTY_BOUNCY_CASTLE_PEM = "io.netty.handler.ssl.BouncyCastlePemReader";
    /** BCrypt's bcrypt_pbkdf (OpenSSH keys) hashes with SHA-512; OpenBSDBCrypt never calls it. */
    private static final JarReach.Missing BCRYPT_PBKDF = new JarReach.Missing(
            "org.bouncycastle.crypto.generators.BCrypt", "org.bouncycastle.crypto.digests.SHA512Digest");

    @TempDir(cleanup = CleanupMode.ON_SUCCESS) // a failed run keeps the processes' logs
    static Path tmp;
    static TestPki pki;
    static TunnelFixture tunnel;
    static HttpDestination http;

    @BeforeAll
    static void start() throws Exception {
        pki = TestPki.init(tmp.resolve("pki")); // pki-tool's jar makes both trees
        Path users = Files.writeString(tmp.resolve("proxy-users"), TestPki.hashPassword(USER, PASSWORD));
        tunnel = TunnelFixture.builder(pki, tmp.resolve("logs"))
                .serverArgs("--tls-provider", "OPENSSL", "--frontend-tls-provider", "OPENSSL",
                        // a client certificate, or Basic credentials checked by the server's bcrypt
                        "--server-client-auth", "optional", "--frontend-auth", "basic",
                        "--proxy-users-file", users.toString())
                .agentArgs("--tls-provider", "OPENSSL")
                .start();
        http = HttpDestination.http();
    }

    @AfterAll
    static void stop() {
        try (TunnelFixture t = tunnel; HttpDestination h = http) {
            // closed in reverse order
        }
    }

    @Test
    void everyRunnableJarIsAtMost12MillionBytes() throws Exception {
        for (Path jar : List.of(Jars.SERVER, Jars.AGENT, Jars.CLIENT, Jars.PKI)) {
            System.out.printf("RunnableJarsIT: %s %,d bytes%n", jar.getFileName(), Files.size(jar));
            assertThat(Files.size(jar)).as("%s in bytes", jar.getFileName()).isLessThanOrEqualTo(MAX_JAR_BYTES);
        }
    }

    @Test
    void theJarsMakeATunnelWithOpenSslOnEveryLeg() {
        assertThat(tunnel.server().output()).contains("TLS OPENSSL (frontend OPENSSL)");
        assertThat(tunnel.agent().output()).contains("TLS OPENSSL");
        Commands.Result r = Commands.java(WAIT, Jars.CLIENT, "request", "--tls-provider", "OPENSSL",
                "--proxy-host", "127.0.0.1", "--proxy-port", Integer.toString(tunnel.frontendPort()),
                "--ca-cert", pki.ca("master").toString(),
                "--client-cert", pki.cert("master", "proxy-client").toString(),
                "--client-key", pki.key("master", "proxy-client").toString(),
                "--request-host", "127.0.0.1", "--request-port", Integer.toString(http.port()));
        assertThat(r.exitCode()).as("%s", r).isZero();
        assertThat(r.stdout()).isEqualTo(HttpDestination.BODY);
    }

    @Test
    void theServerChecksABcryptHashThatPkiToolMade() {
        Commands.Result r = curlWithBasic(PASSWORD, "%{http_connect}");
        assertThat(r.exitCode()).as("%s", r).isZero();
        assertThat(r.stdout()).isEqualTo(HttpDestination.BODY + "200");

        Commands.Result wrong = curlWithBasic("not " + PASSWORD, "%{http_connect}");
        assertThat(wrong.exitCode()).as("%s", wrong).isNotZero();
        assertThat(wrong.stdout()).endsWith("407");
    }

    private static Commands.Result curlWithBasic(String password, String writeOut) {
        return Commands.run(WAIT, List.of("curl", "-sS", "--max-time", "20", "-p", "-w", writeOut,
                "--proxy-cacert", pki.ca("master").toString(), "--proxy-user", USER + ":" + password,
                "-x", "https://localhost:" + tunnel.frontendPort(), "http://127.0.0.1:" + http.port() + "/"));
    }

    @Test
    void pkiToolsJarRunsEveryCommandTheReadmeShows() {
        String dir = TestPki.init(tmp.resolve("pki-commands"), "tunnel.example.com,203.0.113.10").dir().toString();
        pkiTool("issue", "--dir", dir, "--tree", "agent", "--kind", "agent", "--name", "agent-2");
        pkiTool("issue", "--dir", dir, "--tree", "agent", "--kind", "agent", "--name", "agent-rsa",
                "--key-type", "rsa-3072");
        pkiTool("issue", "--dir", dir, "--tree", "master", "--kind", "client", "--name", "ci");
        pkiTool("issue", "--dir", dir, "--tree", "master", "--kind", "server", "--name", "pod-webhook",
                "--hosts", "pod-webhook.kube-system.svc,localhost");
        assertThat(pkiTool("show", dir + "/master/issued/pod-webhook.crt"))
                .contains("pod-webhook.kube-system.svc").contains("EC P-256");
        assertThat(pkiTool("show", dir + "/agent/issued/agent-rsa.crt")).contains("RSA 3072");
        pkiTool("renew", "--dir", dir, "--tree", "master", "--kind", "server", "--name", "proxy-master");
        pkiTool("renew", "--dir", dir, "--tree", "master", "--kind", "server", "--name", "proxy-master",
                "--new-key", "--days", "30");
        pkiTool("renew", "--dir", dir, "--tree", "agent", "--kind", "agent", "--name", "agent-rsa", "--new-key");
        pkiTool("renew", "--dir", dir, "--tree", "master", "--kind", "ca");
        pkiTool("renew", "--dir", dir, "--tree", "agent", "--kind", "ca", "--new-key");
        assertThat(Files.isRegularFile(Path.of(dir, "agent", "issued", "ca-previous.crt"))).isTrue();
        assertThat(pkiTool("export", "--dir", dir, "--kubernetes", "--namespace", "tunnel", "--out", "-"))
                .contains("kind: Secret").contains("name: tunnel-agent-agent-rsa").contains("name: tunnel-master-ca");
    }

    /** Runs pki-tool's jar, which must succeed; its output. */
    private static String pkiTool(String... args) {
        Commands.Result r = Commands.java(Duration.ofSeconds(60), Jars.PKI, args);
        assertThat(r.exitCode()).as("pki-tool %s: %s", String.join(" ", args), r).isZero();
        return r.stdout();
    }

    @Test
    void everyClassOurCodeReachesIsInItsJar() {
        for (Path jar : List.of(Jars.SERVER, Jars.AGENT, Jars.CLIENT, Jars.PKI)) {
            assertThat(JarReach.missing(jar)).as("classes %s refers to but lacks", jar.getFileName())
                    .filteredOn(m -> !optional(m)).isEmpty();
        }
    }

    private static boolean optional(JarReach.Missing m) {
        return OPTIONAL_PACKAGES.stream().anyMatch(m.to()::startsWith) || m.from().equals(NETTY_BOUNCY_CASTLE_PEM)
                || m.equals(BCRYPT_PBKDF);
    }
}
