package io.tunnel.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tunnel-agent pod-webhook} as a process behind real TLS, driven by curl and jq the way the seed's README
 * drives Gardener's webhook: the example review's patch, every bad input, and client certificates.
 */
class PodWebhookIT {
    private static final Duration CMD = Duration.ofSeconds(60);
    private static final String LISTENING = "pod-webhook listening on https://127\\.0\\.0\\.1:(\\d+)/";
    private static final Path EXAMPLE = Jars.ROOT.resolve("docs").resolve("examples")
            .resolve("pod-admission-review.json");
    private static final String FQDN = "foo.bar.";
    private static final String SEED_PATCH = "[{\"op\":\"add\",\"path\":\"/spec/initContainers/0/env\",\"value\":"
            + "[{\"name\":\"KUBERNETES_SERVICE_HOST\",\"value\":\"foo.bar.\"}]},{\"op\":\"add\",\"path\":"
            + "\"/spec/containers/0/env\",\"value\":[{\"name\":\"KUBERNETES_SERVICE_HOST\",\"value\":\"foo.bar.\"}]}]";

    @TempDir
    static Path tmp;
    static TestPki pki;
    static Path certDir;
    static JavaProcess webhook;
    static JavaProcess mutualWebhook;
    static int port;
    static int mutualPort;

    @BeforeAll
    static void start() throws IOException {
        Jars.requireBuilt();
        for (String tool : List.of("curl", "jq", "base64")) {
            assertThat(Commands.run(CMD, List.of("bash", "-c", "command -v " + tool)).exitCode())
                    .as("%s must be installed (apt-get install -y curl jq coreutils)", tool).isZero();
        }
        pki = TestPki.init(tmp.resolve("certs"));
        pki.issue("master", "server", "webhook", "--hosts", "localhost,127.0.0.1");
        certDir = Files.createDirectories(tmp.resolve("webhook-certs"));
        Files.copy(pki.cert("master", "webhook"), certDir.resolve("tls.crt"));
        Files.copy(pki.key("master", "webhook"), certDir.resolve("tls.key"));
        Files.copy(pki.ca("master"), certDir.resolve("client-ca.crt"));
        webhook = startWebhook("webhook");
        port = listeningPort(webhook);
        mutualWebhook = startWebhook("webhook-mtls", "--client-ca-name=client-ca.crt");
        mutualPort = listeningPort(mutualWebhook);
    }

    private static JavaProcess startWebhook(String name, String... extra) throws IOException {
        List<String> args = new ArrayList<>(List.of("pod-webhook", "--apiserver-fqdn=" + FQDN,
                "--cert-dir", certDir.toString(), "--host", "127.0.0.1", "--port", "0"));
        args.addAll(List.of(extra));
        return JavaProcess.start(name, Jars.AGENT, tmp.resolve("logs"), args);
    }

    private static int listeningPort(JavaProcess process) {
        Matcher m = process.awaitLog(LISTENING, TunnelFixture.START_TIMEOUT);
        return Integer.parseInt(m.group(1));
    }

    @AfterAll
    static void stop() {
        try (JavaProcess a = webhook; JavaProcess b = mutualWebhook) {
            // SIGTERM each, then the leak check
        }
    }

    private static String url(int port, String path) {
        return "https://localhost:" + port + path;
    }

    /** {@code bash -c script} with pipefail; fails unless it exits 0. */
    private static String sh(String script) {
        Commands.Result r = Commands.run(CMD, List.of("bash", "-c", "set -euo pipefail; " + script));
        assertThat(r.exitCode()).as("%s: %s", script, r).isZero();
        return r.stdout();
    }

    /** The status code of {@code curl -k args... url}, with the body written to {@code body}. */
    private static int status(Path body, String... args) {
        List<String> command = new ArrayList<>(List.of("curl", "-k", "-sS", "--max-time", "30", "-o",
                body.toString(), "-w", "%{http_code}"));
        command.addAll(List.of(args));
        Commands.Result r = Commands.run(CMD, command);
        assertThat(r.exitCode()).as("%s: %s", command, r).isZero();
        return Integer.parseInt(r.stdout().trim());
    }

    private static int postFile(Path file, Path body) {
        return status(body, "-XPOST", "-H", "Content-Type: application/json", "--data-binary", "@" + file,
                url(port, "/webhook/pod-apiserver-env"));
    }

    @Test
    void theSeedsCurlJqBase64PipelineGivesTheTwoAdds() {
        String patch = sh("curl -k -XPOST --silent -H 'Content-Type: application/json' -d '@" + EXAMPLE
                + "' -H 'Accept: application/json' " + url(port, "/webhook/pod-apiserver-env")
                + " | jq -r '.response.patch' | base64 -d | jq -c '.'");
        assertThat(patch.trim()).isEqualTo(SEED_PATCH);
        webhook.awaitLog("review uid=0a6c3a2e-7c1d-4b8e-9a55-2f3e4d5c6b7a pod=shop/web patch_operations=2", CMD);
    }

    @Test
    void theAnswerIsAnAllowedReviewWithTheSameUidOverVerifiedTls() {
        String answer = sh("curl -sS --cacert '" + pki.ca("master") + "' -XPOST -H 'Content-Type: application/json' "
                + "--data-binary '@" + EXAMPLE + "' " + url(port, "/webhook/pod-apiserver-env")
                + " | jq -c '[.apiVersion, .kind, .response.uid, .response.allowed, .response.patchType]'");
        assertThat(answer.trim()).isEqualTo("[\"admission.k8s.io/v1\",\"AdmissionReview\","
                + "\"0a6c3a2e-7c1d-4b8e-9a55-2f3e4d5c6b7a\",true,\"JSONPatch\"]");
    }

    @Test
    void aNonPodIsAllowedWithoutPatch() throws IOException {
        Path review = tmp.resolve("configmap.json");
        sh("jq '.request.kind.kind = \"ConfigMap\"' '" + EXAMPLE + "' > '" + review + "'");
        Path body = tmp.resolve("configmap-answer.json");
        assertThat(postFile(review, body)).isEqualTo(200);
        assertThat(sh("jq -c '.response' '" + body + "'").trim())
                .isEqualTo("{\"uid\":\"0a6c3a2e-7c1d-4b8e-9a55-2f3e4d5c6b7a\",\"allowed\":true}");
    }

    @Test
    void badBodiesAre400WithConstantTexts() throws IOException {
        Path notJson = Files.writeString(tmp.resolve("not.json"), "this is not JSON");
        Path wrongKind = tmp.resolve("wrong-kind.json");
        sh("jq '.kind = \"TokenReview\"' '" + EXAMPLE + "' > '" + wrongKind + "'");
        Path noRequest = tmp.resolve("no-request.json");
        sh("jq 'del(.request)' '" + EXAMPLE + "' > '" + noRequest + "'");
        Path body = tmp.resolve("bad-answer.txt");
        assertThat(postFile(notJson, body)).isEqualTo(400);
        assertThat(body).hasContent("the request body is not JSON");
        assertThat(postFile(wrongKind, body)).isEqualTo(400);
        assertThat(body).hasContent("the request body is not an admission.k8s.io/v1 AdmissionReview");
        assertThat(postFile(noRequest, body)).isEqualTo(400);
        assertThat(body).hasContent("the AdmissionReview has no request");
    }

    @Test
    void aBodyOver3MiBIs413() throws IOException {
        Path big = tmp.resolve("big.json");
        Files.write(big, new byte[3 * 1024 * 1024 + 1]);
        assertThat(postFile(big, tmp.resolve("big-answer.txt"))).isEqualTo(413);
    }

    @Test
    void otherPathsMethodsAndHealthz() {
        Path body = tmp.resolve("answer.txt");
        assertThat(status(body, url(port, "/webhook/pod-apiserver-env"))).isEqualTo(405);
        assertThat(status(body, "-XPUT", "-d", "{}", url(port, "/webhook/pod-apiserver-env"))).isEqualTo(405);
        assertThat(status(body, "-XPOST", "-d", "{}", url(port, "/webhook/other"))).isEqualTo(404);
        assertThat(status(body, url(port, "/"))).isEqualTo(404);
        assertThat(status(body, url(port, "/healthz"))).isEqualTo(200);
        assertThat(body).hasContent("ok");
    }

    @Test
    void withAClientCaACertificateIsRequired() {
        Commands.Result without = Commands.run(CMD, List.of("curl", "-sS", "--max-time", "30",
                "--cacert", pki.ca("master").toString(), url(mutualPort, "/healthz")));
        assertThat(without.exitCode()).as("no client certificate: %s", without).isNotZero();
        Commands.Result with = Commands.run(CMD, List.of("curl", "-sS", "--max-time", "30",
                "--cacert", pki.ca("master").toString(),
                "--cert", pki.cert("master", "proxy-client").toString(),
                "--key", pki.key("master", "proxy-client").toString(), url(mutualPort, "/healthz")));
        assertThat(with.exitCode()).as("with a client certificate: %s", with).isZero();
        assertThat(with.stdout()).isEqualTo("ok\n");
        assertThat(webhook.isAlive() && mutualWebhook.isAlive()).isTrue();
    }

    @Test
    void missingCertificatesAreOneLineAndExitOne() {
        Commands.Result r = Commands.java(CMD, Jars.AGENT, "pod-webhook", "--apiserver-fqdn=foo.bar.",
                "--cert-dir", tmp.resolve("nowhere").toString(), "--port", "0");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.stderr()).isEqualTo("tunnel-agent pod-webhook: cannot read "
                + tmp.resolve("nowhere").resolve("tls.crt") + "\n");
    }

    @Test
    void theJarsHelpNamesTheCommandsAndEachHasItsOwn() {
        Commands.Result agent = Commands.java(CMD, Jars.AGENT, "--help");
        assertThat(agent.exitCode()).isZero();
        assertThat(agent.stdout()).contains("Usage: tunnel-agent", "tunnel-agent sidecar", "tunnel-agent pod-webhook");
        Commands.Result sidecar = Commands.java(CMD, Jars.AGENT, "sidecar", "--help");
        assertThat(sidecar.exitCode()).isZero();
        assertThat(sidecar.stdout()).contains("Usage: tunnel-agent sidecar", "--ip-address", "--setup-iptables");
        Commands.Result pod = Commands.java(CMD, Jars.AGENT, "pod-webhook", "--help");
        assertThat(pod.exitCode()).isZero();
        assertThat(pod.stdout()).contains("Usage: tunnel-agent pod-webhook", "--apiserver-fqdn", "--client-ca-name");
        Commands.Result bad = Commands.java(CMD, Jars.AGENT, "pod-webhook", "--no-such-flag");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.stderr().lines().findFirst()).hasValue("tunnel-agent pod-webhook: unknown flag --no-such-flag");
    }
}
