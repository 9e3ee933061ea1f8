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
 * The runnable jars as shipped, after the shade filters took out what the tunnel never loads: together they make a
 * tunnel with the OpenSSL provider on every TLS leg (the certificates from pki-tool's jar, server and agent, the
 * client's jar through the mTLS frontend), so that no filter can remove a class or a native library they need; and
 * the agent's and the client's jars stay within {@value #MAX_JAR_BYTES} bytes (the server's, with bcrypt, and
 * pki-tool's, with all of BouncyCastle, are larger: their sizes are printed).
 */
class RunnableJarsIT {
    private static final long MAX_JAR_BYTES = 12_000_000;
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir(cleanup = CleanupMode.ON_SUCCESS) // a failed run keeps the processes' logs
    static Path tmp;
    static TestPki pki;
    static TunnelFixture tunnel;
    static HttpDestination http;

    @BeforeAll
    static void start() throws Exception {
        pki = TestPki.init(tmp.resolve("pki")); // pki-tool's jar makes both trees
        tunnel = TunnelFixture.builder(pki, tmp.resolve("logs"))
                .serverArgs("--tls-provider", "OPENSSL", "--frontend-tls-provider", "OPENSSL")
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
    void theAgentAndClientJarsAreSmall() throws Exception {
        for (Path jar : List.of(Jars.SERVER, Jars.AGENT, Jars.CLIENT, Jars.PKI)) {
            System.out.printf("RunnableJarsIT: %s %,d bytes%n", jar.getFileName(), Files.size(jar));
        }
        for (Path jar : List.of(Jars.AGENT, Jars.CLIENT)) {
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
}
