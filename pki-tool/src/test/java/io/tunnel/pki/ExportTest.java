package io.tunnel.pki;

import static io.tunnel.pki.FileTransactionTest.mode;
import static io.tunnel.pki.FileTransactionTest.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.yaml.snakeyaml.Yaml;

/**
 * {@code pki-tool export --kubernetes}: the Secrets of both trees, read back with SnakeYAML (a YAML 1.1 reader, as
 * Kubernetes' is) and compared with the files, checked by {@code yamllint}, and every refusal.
 */
class ExportTest {

    private static final Path YAMLLINT = Path.of("/usr/bin/yamllint");
    /** yamllint's defaults, but base64 data is one long line. */
    private static final String YAMLLINT_CONFIG = "{extends: default, rules: {line-length: disable}}";
    private static final long YAMLLINT_TIMEOUT_SECONDS = 30;
    private static final String NAMESPACE = "tunnel-system";

    @TempDir
    Path tmp;

    private Path dir;
    private PkiLayout layout;

    @BeforeEach
    void init() {
        dir = tmp.resolve("certs");
        layout = new PkiLayout(dir);
        ok(Cli.run("init", "--dir", dir.toString()));
        ok(Cli.run("issue", "--dir", dir.toString(), "--tree", "master", "--kind", "server", "--name", "web",
                "--hosts", "web.example.com"));
        ok(Cli.run("issue", "--dir", dir.toString(), "--tree", "agent", "--kind", "agent", "--name", "agent-2"));
    }

    @Test
    void writesASecretPerCertificateAndOnePerCaWithTheFilesBytes() throws Exception {
        Path out = tmp.resolve("out/secrets.yaml");

        Cli cli = Cli.run("export", "--dir", dir.toString(), "--kubernetes", "--namespace", NAMESPACE,
                "--out", out.toString());

        ok(cli);
        assertThat(cli.out().lines()).containsExactly("wrote " + out);
        assertThat(mode(out)).isEqualTo("rw-------");
        List<Map<String, Object>> secrets = load(Files.readString(out));
        assertThat(secrets).extracting(secret -> metadata(secret).get("name")).containsExactly(
                "tunnel-master-ca", "tunnel-master-proxy-client", "tunnel-master-proxy-master", "tunnel-master-web",
                "tunnel-agent-ca", "tunnel-agent-agent-2", "tunnel-agent-proxy-agent", "tunnel-agent-proxy-master");
        for (Map<String, Object> secret : secrets) {
            assertThat(secret).containsOnlyKeys("apiVersion", "kind", "metadata", "type", "data")
                    .containsEntry("apiVersion", "v1").containsEntry("kind", "Secret");
            assertThat(metadata(secret)).containsEntry("namespace", NAMESPACE)
                    .containsEntry("labels", Map.of("app.kubernetes.io/name", "tunnel",
                            "app.kubernetes.io/managed-by", "pki-tool"));
            String name = (String) metadata(secret).get("name");
            Tree tree = name.startsWith("tunnel-master-") ? Tree.MASTER : Tree.AGENT;
            String file = name.substring(("tunnel-" + tree.flagName() + "-").length());
            if (PkiLayout.CA.equals(file)) {
                assertThat(secret).containsEntry("type", "Opaque");
                assertThat(decodedData(secret)).containsOnlyKeys("ca.crt")
                        .containsEntry("ca.crt", read(layout.certificate(tree, PkiLayout.CA)));
            } else {
                assertThat(secret).containsEntry("type", "kubernetes.io/tls");
                assertThat(decodedData(secret)).containsOnlyKeys("tls.crt", "tls.key")
                        .containsEntry("tls.crt", read(layout.certificate(tree, file)))
                        .containsEntry("tls.key", read(layout.privateKey(tree, file)));
            }
        }
        String yaml = Files.readString(out);
        for (Tree tree : Tree.values()) {
            assertThat(yaml).as("never a CA key").doesNotContain(
                    Base64.getEncoder().encodeToString(Files.readAllBytes(layout.privateKey(tree, PkiLayout.CA))));
        }
    }

    @Test
    void writesTheSameToStandardOutputAndNeedsNoCaKey() throws Exception {
        Path out = tmp.resolve("secrets.yaml");
        ok(Cli.run("export", "--dir", dir.toString(), "--kubernetes", "--namespace", NAMESPACE, "--out",
                out.toString()));
        for (Tree tree : Tree.values()) {
            Files.delete(layout.privateKey(tree, PkiLayout.CA));
        }

        Cli cli = Cli.run("export", "--dir", dir.toString(), "--kubernetes", "--namespace", NAMESPACE);

        ok(cli);
        assertThat(cli.out()).isEqualTo(Files.readString(out)).startsWith("---\napiVersion: v1\n");
    }

    @Test
    void yamllintAcceptsTheOutput() throws Exception {
        assertThat(Files.isExecutable(YAMLLINT)).as("needs %s (.ci/run installs it)", YAMLLINT).isTrue();
        Path out = tmp.resolve("secrets.yaml");
        ok(Cli.run("export", "--dir", dir.toString(), "--kubernetes", "--namespace", NAMESPACE, "--out",
                out.toString()));
        Path broken = Files.writeString(tmp.resolve("broken.yaml"), "---\nkind: Secret\nkind: Secret\n");

        assertThat(yamllint(out)).isEqualTo("exit 0: ");
        assertThat(yamllint(broken)).as("the linter runs and can fail").contains("duplication of key");
    }

    @ParameterizedTest
    @ValueSource(strings = {"yes", "no", "on", "off", "y", "n", "true", "null", "123", "017", "0x1f", "1e3",
        "1-2", "a"})
    void namespacesThatLookLikeNumbersOrBooleansStayStrings(String namespace) throws Exception {
        Cli cli = Cli.run("export", "--dir", dir.toString(), "--kubernetes", "--namespace", namespace);

        ok(cli);
        for (Map<String, Object> secret : load(cli.out())) {
            assertThat(metadata(secret).get("namespace")).isEqualTo(namespace);
        }
    }

    @Test
    void duringACaRotationTheCaSecretTrustsBothCas() throws Exception {
        ok(Cli.run("renew", "--dir", dir.toString(), "--tree", "agent", "--kind", "ca", "--new-key"));
        ok(Cli.run("renew", "--dir", dir.toString(), "--tree", "agent", "--kind", "agent", "--name", "agent-2"));

        Cli cli = Cli.run("export", "--dir", dir.toString(), "--kubernetes", "--namespace", NAMESPACE);

        ok(cli);
        Map<String, Object> ca = load(cli.out()).stream()
                .filter(secret -> "tunnel-agent-ca".equals(metadata(secret).get("name"))).findFirst().orElseThrow();
        assertThat(decodedData(ca)).containsEntry("ca.crt", read(layout.certificate(Tree.AGENT, PkiLayout.CA))
                + read(layout.certificate(Tree.AGENT, PkiLayout.PREVIOUS_CA)));

        Files.delete(layout.certificate(Tree.AGENT, PkiLayout.PREVIOUS_CA));
        Cli early = Cli.run("export", "--dir", dir.toString(), "--kubernetes", "--namespace", NAMESPACE);
        assertThat(early.exitCode()).isEqualTo(1);
        assertThat(early.errLines()).containsExactly("pki-tool: " + layout.certificate(Tree.AGENT, PkiLayout.AGENT)
                + " is not signed by the agent CA");
        assertThat(early.out()).isEmpty();
    }

    @Test
    void replacesAnExistingFileOnlyWithForce() throws Exception {
        Path out = Files.writeString(tmp.resolve("secrets.yaml"), "mine");
        String[] args = {"export", "--dir", dir.toString(), "--kubernetes", "--namespace", NAMESPACE, "--out",
            out.toString()};

        Cli refused = Cli.run(args);

        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.errLines()).containsExactly(
                "pki-tool: " + out + " already exists (use --force to replace it)");
        assertThat(Files.readString(out)).isEqualTo("mine");
        ok(Cli.run(Stream.concat(Stream.of(args), Stream.of("--force")).toArray(String[]::new)));
        assertThat(load(Files.readString(out))).hasSize(8);
        assertThat(mode(out)).isEqualTo("rw-------");
    }

    /** A change to the trees, then the one-line problem export reports. */
    static Stream<Arguments> failures() {
        return Stream.of(
                Arguments.of("leaf named in upper case", "cannot name a Secret for master/Web: 'tunnel-master-Web' "
                        + "is not a lowercase RFC 1123 name (a-z 0-9 - .)"),
                Arguments.of("leaf without key",
                        "no key for D/master/issued/web.crt: D/master/private/web.key is missing"),
                Arguments.of("leaf of the other tree", "D/master/issued/stray.crt is not signed by the master CA"),
                Arguments.of("CA in a leaf's place",
                        "D/master/issued/stray.crt is a CA certificate, not a certificate of the master tree"),
                Arguments.of("no agent tree", "no agent CA in D: D/agent/issued/ca.crt is missing "
                        + "(run pki-tool init first)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("failures")
    void failuresNameTheProblemInOneLineAndWriteNothing(String change, String problem) throws Exception {
        prepare(change);
        Path out = tmp.resolve("secrets.yaml");
        Map<Path, String> before = snapshot(tmp);

        Cli toFile = Cli.run("export", "--dir", dir.toString(), "--kubernetes", "--namespace", NAMESPACE, "--out",
                out.toString());
        Cli toStdout = Cli.run("export", "--dir", dir.toString(), "--kubernetes", "--namespace", NAMESPACE);

        for (Cli cli : List.of(toFile, toStdout)) {
            assertThat(cli.exitCode()).as(cli.toString()).isEqualTo(1);
            assertThat(cli.errLines()).containsExactly("pki-tool: " + problem.replace("D/", dir + "/")
                    .replace("in D:", "in " + dir + ":"));
            assertThat(cli.out()).isEmpty();
        }
        assertThat(snapshot(tmp)).isEqualTo(before);
    }

    private void prepare(String change) throws IOException {
        switch (change) {
            case "leaf named in upper case" -> ok(Cli.run("issue", "--dir", dir.toString(), "--tree", "master",
                    "--kind", "client", "--name", "Web"));
            case "leaf without key" -> Files.delete(layout.privateKey(Tree.MASTER, "web"));
            case "leaf of the other tree" -> {
                Files.copy(layout.certificate(Tree.AGENT, "agent-2"), layout.certificate(Tree.MASTER, "stray"));
                Files.copy(layout.privateKey(Tree.AGENT, "agent-2"), layout.privateKey(Tree.MASTER, "stray"));
            }
            case "CA in a leaf's place" -> {
                Files.copy(layout.certificate(Tree.MASTER, PkiLayout.CA), layout.certificate(Tree.MASTER, "stray"));
                Files.copy(layout.privateKey(Tree.MASTER, PkiLayout.CA), layout.privateKey(Tree.MASTER, "stray"));
            }
            case "no agent tree" -> {
                try (Stream<Path> files = Files.walk(layout.treeDir(Tree.AGENT))) {
                    for (Path path : files.sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(path);
                    }
                }
            }
            default -> throw new IllegalArgumentException(change);
        }
    }

    /** Every document of a YAML stream, read as YAML 1.1 (so a plain {@code yes} would come back a boolean). */
    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> load(String yaml) {
        List<Map<String, Object>> documents = new ArrayList<>();
        for (Object document : new Yaml().loadAll(yaml)) {
            documents.add((Map<String, Object>) document);
        }
        return documents;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> metadata(Map<String, Object> secret) {
        return (Map<String, Object>) secret.get("metadata");
    }

    /** The data of a Secret, base64-decoded, as text. */
    @SuppressWarnings("unchecked")
    private static Map<String, String> decodedData(Map<String, Object> secret) {
        Map<String, String> decoded = new LinkedHashMap<>();
        ((Map<String, String>) secret.get("data")).forEach((key, value) ->
                decoded.put(key, new String(Base64.getDecoder().decode(value), StandardCharsets.US_ASCII)));
        return decoded;
    }

    private static String read(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.US_ASCII);
    }

    /** "exit N: " and what yamllint printed. */
    private static String yamllint(Path file) throws Exception {
        Path output = Files.createTempFile("yamllint", ".out");
        try {
            Process process = new ProcessBuilder(YAMLLINT.toString(), "--strict", "-d", YAMLLINT_CONFIG,
                    file.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .start();
            boolean exited = process.waitFor(YAMLLINT_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            if (!exited) {
                process.destroyForcibly().waitFor(YAMLLINT_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            }
            assertThat(exited).as("yamllint exits within %d s", YAMLLINT_TIMEOUT_SECONDS).isTrue();
            return "exit " + process.exitValue() + ": " + Files.readString(output).strip();
        } finally {
            Files.deleteIfExists(output);
        }
    }

    private static void ok(Cli cli) {
        assertThat(cli.exitCode()).as(cli.toString()).isZero();
        assertThat(cli.err()).isEmpty();
    }
}
