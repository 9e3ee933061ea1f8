package io.tunnel.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificates rotated under a running tunnel, the way an operator does it with {@code pki-tool renew}: the server's
 * frontend certificate, the agent tree's CA (a bundle of the old and the new CA during the overlap) and the agent's
 * certificate, while a download runs. The download ends byte-exact, new connections get the new material, and a broken
 * file is refused while the old material keeps serving.
 */
class RotationIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final long BYTES = 24L * 1024 * 1024;
    private static final long MILLIS = 12_000;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS) // a failed run keeps the processes' logs
    Path tmp;
    TestPki pki;
    TunnelFixture tunnel;
    HttpDestination http;

    @BeforeEach
    void start() throws Exception {
        pki = TestPki.init(tmp.resolve("pki")); // rewritten in place by pki-tool renew: not the shared one
        tunnel = TunnelFixture.builder(pki, tmp.resolve("logs")).agentArgs("--reconnect-on-rotation").start();
        http = HttpDestination.http();
    }

    @AfterEach
    void stop() {
        try (TunnelFixture t = tunnel; HttpDestination h = http) {
            // closed in reverse order
        }
    }

    private List<String> curl(String... args) {
        List<String> command = new ArrayList<>(List.of("curl", "-sS", "--max-time", "60", "-p",
                "--proxy-cacert", pki.ca("master").toString(),
                "--proxy-cert", pki.cert("master", "proxy-client").toString(),
                "--proxy-key", pki.key("master", "proxy-client").toString(),
                "-x", tunnel.proxyUrl()));
        command.addAll(List.of(args));
        return command;
    }

    /** A paced download through the mTLS frontend into {@code file}; completes with curl's result. */
    private CompletableFuture<Commands.Result> download(Path file) {
        String url = "http://127.0.0.1:" + http.port() + "/bytes?n=" + BYTES + "&ms=" + MILLIS;
        return CompletableFuture.supplyAsync(() -> Commands.run(Duration.ofSeconds(90),
                curl("-o", file.toString(), url)));
    }

    private void fetchWorks() {
        Commands.Result r = Commands.run(WAIT, curl("http://127.0.0.1:" + http.port() + "/"));
        assertThat(r.exitCode()).as("%s", r).isZero();
        assertThat(r.stdout()).isEqualTo(HttpDestination.BODY);
    }

    private void renew(String... args) {
        List<String> all = new ArrayList<>(List.of("renew", "--dir", pki.dir().toString()));
        all.addAll(List.of(args));
        Commands.Result r = Commands.java(WAIT, Jars.PKI, all.toArray(String[]::new));
        assertThat(r.exitCode()).as("pki-tool renew: %s", r).isZero();
    }

    /** The serial number of the certificate the frontend presents to a new connection now. */
    private String presentedSerial() {
        Commands.Result r = Commands.run(WAIT, List.of("sh", "-c", "openssl s_client -connect 127.0.0.1:"
                + tunnel.frontendPort() + " -CAfile " + pki.ca("master") + " -cert " + pki.cert("master", "proxy-client")
                + " -key " + pki.key("master", "proxy-client") + " </dev/null 2>/dev/null | openssl x509 -noout -serial"));
        assertThat(r.exitCode()).as("%s", r).isZero();
        return r.stdout().trim();
    }

    private static String serialOf(Path cert) {
        Commands.Result r = Commands.run(WAIT, List.of("openssl", "x509", "-in", cert.toString(), "-noout", "-serial"));
        assertThat(r.exitCode()).as("%s", r).isZero();
        return r.stdout().trim();
    }

    private static void writeAtomically(Path file, String content) throws IOException {
        Path next = file.resolveSibling(file.getFileName() + ".next");
        Files.writeString(next, content, StandardCharsets.US_ASCII);
        Files.move(next, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static Pattern.Digest digestOf(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return Pattern.digest(in);
        }
    }

    private String linkOfAgent1() throws Exception {
        List<JsonNode> links = AgentsJson.links(AgentsJson.read(tunnel), "agent-1");
        return links.stream().filter(l -> !l.get("goingAway").asBoolean()).findFirst()
                .map(l -> l.get("link").asText()).orElse("");
    }

    /** Waits for agent-1's link that is not going away to be another than {@code previous}; returns its id. */
    private String awaitLinkOtherThan(String previous) {
        AtomicReference<String> link = new AtomicReference<>();
        Await.until("a new link of agent-1", WAIT, () -> {
            link.set(linkOfAgent1());
            return !link.get().isEmpty() && !link.get().equals(previous);
        });
        return link.get();
    }

    @Test
    void everyFileRotatesUnderARunningDownload() throws Exception {
        Path downloaded = tmp.resolve("download.bin");
        int serverMark = tunnel.server().mark();
        int agentMark = tunnel.agent().mark();
        String firstLink = linkOfAgent1();
        CompletableFuture<Commands.Result> running = download(downloaded);
        Await.until("the download under way", WAIT, () -> Files.exists(downloaded) && Files.size(downloaded) > 0);

        // 1. The frontend's certificate: new connections get the renewed one.
        String before = presentedSerial();
        renew("--tree", "master", "--kind", "server", "--name", "proxy-master");
        String renewed = serialOf(pki.cert("master", "proxy-master"));
        assertThat(renewed).isNotEqualTo(before);
        tunnel.server().awaitLogSince(serverMark, "TLS material of the frontend reloaded", WAIT);
        assertThat(presentedSerial()).isEqualTo(renewed);
        fetchWorks();

        // 2. The agent tree's CA gets a new key: the overlap bundle (new + old CA) goes to both sides first.
        renew("--tree", "agent", "--kind", "ca", "--new-key");
        Path ca = pki.ca("agent");
        writeAtomically(ca, Files.readString(ca) + Files.readString(ca.resolveSibling("ca-previous.crt")));
        tunnel.server().awaitLogSince(serverMark, "TLS material of the agent port reloaded", WAIT);
        tunnel.agent().awaitLogSince(agentMark, "TLS material of the agent reloaded", WAIT);
        // New trust is new TLS material too: with --reconnect-on-rotation the agent replaces its link already.
        String linkAfterCa = awaitLinkOtherThan(firstLink);

        // 3. The agent's certificate, now issued by the new CA: with --reconnect-on-rotation its link is replaced.
        // (Awaited against the link of step 2: the one from before the rotations would be matched by that link.)
        int agentReload = tunnel.agent().mark();
        renew("--tree", "agent", "--kind", "agent", "--name", "proxy-agent");
        tunnel.agent().awaitLogSince(agentReload, "TLS material of the agent reloaded", WAIT);
        awaitLinkOtherThan(linkAfterCa);
        fetchWorks();

        // A new agent with a certificate of the new CA only is accepted.
        pki.issue("agent", "agent", "agent-2");
        tunnel.startExtraAgent("--agent-cert", pki.cert("agent", "agent-2").toString(),
                "--agent-key", pki.key("agent", "agent-2").toString());
        Await.until("agent-2 linked", WAIT, () -> !AgentsJson.links(AgentsJson.read(tunnel), "agent-2").isEmpty());

        Commands.Result result = running.get(90, TimeUnit.SECONDS);
        assertThat(result.exitCode()).as("%s", result).isZero();
        assertThat(digestOf(downloaded)).as("the download crossed every rotation intact")
                .isEqualTo(Pattern.Digest.of(BYTES));
        assertThat(tunnel.body(tunnel.healthPort(), "/metrics"))
                .contains("tunnel_server_tls_reloads_total{context=\"frontend\",result=\"reloaded\"}")
                .contains("tunnel_server_tls_reloads_total{context=\"agent port\",result=\"reloaded\"}");
        tunnel.assertRunning();
    }

    @Test
    void aBrokenFileIsRefusedAndTheOldMaterialKeepsServing() throws Exception {
        int mark = tunnel.server().mark();
        String before = presentedSerial();
        Path cert = pki.cert("master", "proxy-master");
        String original = Files.readString(cert);
        writeAtomically(cert, "-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n");

        tunnel.server().awaitLogSince(mark, "TLS material of the frontend refused, the previous one stays in use: "
                + ".*" + java.util.regex.Pattern.quote(cert.toString()), WAIT);
        assertThat(presentedSerial()).isEqualTo(before);
        fetchWorks();
        assertThat(tunnel.status(tunnel.healthPort(), "/readyz")).isEqualTo(200);
        assertThat(tunnel.body(tunnel.healthPort(), "/metrics"))
                .contains("tunnel_server_tls_reloads_total{context=\"frontend\",result=\"refused\"} 1.0");

        // Mended and renewed, the file is picked up as a change like any other.
        writeAtomically(cert, original);
        renew("--tree", "master", "--kind", "server", "--name", "proxy-master");
        tunnel.server().awaitLogSince(mark, "TLS material of the frontend reloaded", WAIT);
        assertThat(presentedSerial()).isEqualTo(serialOf(cert)).isNotEqualTo(before);
        fetchWorks();
    }
}
