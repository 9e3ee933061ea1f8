package io.tunnel.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Real clients through the real jars: curl (mTLS and plaintext frontend), the JDK HttpClient, openssl s_client. */
@ExtendWith(SharedTunnels.Extension.class)
class CurlThroughTunnelIT {
    private static final Duration CMD = Duration.ofSeconds(30);

    static TestPki pki;
    static TunnelFixture mtls;
    static TunnelFixture plain;
    static HttpDestination http;
    static HttpDestination https;

    @BeforeAll
    static void start(SharedTunnels shared) throws Exception {
        pki = shared.pki();
        pki.issue("master", "server", "dest", "--hosts", "localhost,127.0.0.1");
        http = HttpDestination.http();
        https = HttpDestination.https(java.net.InetAddress.getLoopbackAddress(),
                Pem.serverContext(pki.cert("master", "dest"), pki.key("master", "dest")));
        mtls = shared.mtls();
        plain = shared.plain();
    }

    @AfterAll
    static void stop() {
        try (HttpDestination c = http; HttpDestination d = https) {
            // closed in reverse order
        }
    }

    private static List<String> curlMtls(String... args) {
        List<String> command = new ArrayList<>(List.of("curl", "-sS", "--max-time", "20",
                "--proxy-cacert", pki.ca("master").toString(),
                "--proxy-cert", pki.cert("master", "proxy-client").toString(),
                "--proxy-key", pki.key("master", "proxy-client").toString(),
                "-x", mtls.proxyUrl()));
        command.addAll(List.of(args));
        return command;
    }

    @Test
    void curlThroughMutualTlsFrontendToHttp() {
        int mark = mtls.server().mark();
        Commands.Result r = Commands.run(CMD, curlMtls("-p", "http://127.0.0.1:" + http.port() + "/"));
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).isEqualTo(HttpDestination.BODY);
        mtls.server().awaitLogSince(mark, "target=127\\.0\\.0\\.1:" + http.port()
                + " agent=agent-1 stream=\\d+ status=200", CMD);
    }

    @Test
    void curlThroughMutualTlsFrontendToHttps() {
        Commands.Result r = Commands.run(CMD, curlMtls("--cacert", pki.ca("master").toString(),
                "https://localhost:" + https.port() + "/"));
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).isEqualTo(HttpDestination.BODY);
    }

    @Test
    void curlWithHttpsProxyVariableThroughPlaintextFrontend() {
        Map<String, String> env = Map.of("https_proxy", plain.proxyUrl(), "HTTPS_PROXY", plain.proxyUrl());
        Commands.Result r = Commands.run(CMD, env, null, List.of("curl", "-sS", "--max-time", "20",
                "--cacert", pki.ca("master").toString(), "https://localhost:" + https.port() + "/"));
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).isEqualTo(HttpDestination.BODY);
    }

    @Test
    void curlThroughPlaintextFrontendToHttp() {
        Commands.Result r = Commands.run(CMD, List.of("curl", "-sS", "--max-time", "20", "-p",
                "-x", plain.proxyUrl(), "http://127.0.0.1:" + http.port() + "/"));
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).isEqualTo(HttpDestination.BODY);
    }

    @Test
    void jdkHttpClientWithProxySelector() throws Exception {
        HttpClient client = HttpClient.newBuilder()
                .proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", plain.frontendPort())))
                .sslContext(Pem.trusting(pki.ca("master")))
                .connectTimeout(Duration.ofSeconds(10))
                .build();
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                        URI.create("https://localhost:" + https.port() + "/")).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(HttpDestination.BODY);
    }

    @Test
    void opensslSClientThroughPlaintextFrontend() {
        Commands.Result r = Commands.run(CMD, Map.of(), "Q\n".getBytes(), List.of("openssl", "s_client",
                "-proxy", "127.0.0.1:" + plain.frontendPort(), "-connect", "localhost:" + https.port(),
                "-servername", "localhost", "-CAfile", pki.ca("master").toString(), "-verify_return_error",
                "-brief"));
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout() + r.stderr()).contains("Verification: OK");
    }

    @Test
    void largeDownloadThroughMutualTlsMatchesChecksum() {
        long n = 20L * 1024 * 1024;
        Commands.Result r = Commands.run(CMD, List.of("bash", "-c", String.join(" ", curlMtls("-p",
                "http://127.0.0.1:" + http.port() + "/bytes?n=" + n)) + " | sha256sum"));
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).startsWith(Pattern.sha256(n));
    }
}
