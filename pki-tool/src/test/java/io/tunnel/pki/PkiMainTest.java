package io.tunnel.pki;

import static io.tunnel.pki.FileTransactionTest.allFiles;
import static io.tunnel.pki.FileTransactionTest.mode;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The command line: exit codes, messages, files and their modes. */
class PkiMainTest {

    @TempDir
    Path tmp;

    // --- help and usage errors -----------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"--help", "-h"})
    void helpPrintsTheCommandsAndExitsZero(String flag) {
        Cli cli = Cli.run(flag);

        assertThat(cli.exitCode()).as(cli.toString()).isZero();
        assertThat(cli.out()).startsWith("Usage: pki-tool [--help] COMMAND [options]")
                .contains("  init ", "  issue ", "  renew ", "  show ", "  export ");
        assertThat(cli.err()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"init", "issue", "renew", "show", "export"})
    void commandHelpPrintsItsOptionsAndExitsZero(String command) {
        for (List<String> args : List.of(List.of(command, "--help"), List.of("--help", command))) {
            Cli cli = Cli.run(args.toArray(String[]::new));

            assertThat(cli.exitCode()).as(cli.toString()).isZero();
            assertThat(cli.out()).contains("Usage: pki-tool " + command + " [options]");
            assertThat(cli.err()).isEmpty();
        }
        assertThat(Cli.run("init", "--help").out()).contains("--server-hosts", "--agent-id", "--client-name",
                "--key-type", "--days", "--ca-days", "--force", "Default: [localhost, 127.0.0.1]");
        assertThat(Cli.run("issue", "--help").out()).contains("--tree", "--kind", "--name", "--hosts");
        assertThat(Cli.run("renew", "--help").out()).contains("--tree", "--kind", "--name", "--days", "--new-key",
                "ca-previous.crt");
        assertThat(Cli.run("export", "--help").out()).contains("--kubernetes", "--namespace", "--out", "--force",
                "kubernetes.io/tls");
    }

    @Test
    void noArgumentsIsAUsageError() {
        Cli cli = Cli.run();

        assertThat(cli.exitCode()).isEqualTo(2);
        assertThat(cli.errLines()).containsExactly("pki-tool: no command given", "Run 'pki-tool --help' for usage.");
        assertThat(cli.out()).isEmpty();
    }

    /** Arguments, then the one-line problem that {@code pki-tool: } precedes on stderr. */
    static Stream<Arguments> usageErrors() {
        return Stream.of(
                Arguments.of(List.of("frobnicate"), "unknown command 'frobnicate'"),
                Arguments.of(List.of("--bogus"), "unknown option '--bogus'"),
                Arguments.of(List.of("init", "--dir", "D", "--bogus"), "unknown option '--bogus'"),
                Arguments.of(List.of("init", "--dir", "D", "stray"), "unexpected argument 'stray'"),
                Arguments.of(List.of("init"), "The following option is required: [--dir]"),
                Arguments.of(List.of("init", "--dir"), "Expected a value after parameter --dir"),
                Arguments.of(List.of("init", "--dir", "D", "--key-type", "dsa"),
                        "unknown --key-type 'dsa' (expected ec-p256 or rsa-3072)"),
                Arguments.of(List.of("init", "--dir", "D", "--days", "0"), "invalid --days 0: expected 1 to 36500"),
                Arguments.of(List.of("init", "--dir", "D", "--days", "-5"), "invalid --days -5: expected 1 to 36500"),
                Arguments.of(List.of("init", "--dir", "D", "--days", "soon"),
                        "\"--days\": couldn't convert \"soon\" to an integer"),
                Arguments.of(List.of("init", "--dir", "D", "--ca-days", "0"),
                        "invalid --ca-days 0: expected 1 to 36500"),
                Arguments.of(List.of("init", "--dir", "D", "--days", "4000"),
                        "--days 4000 is longer than --ca-days 3650"),
                Arguments.of(List.of("init", "--dir", "D", "--server-hosts", "localhost,bad_host!"),
                        "invalid host 'bad_host!' in --server-hosts: neither a DNS name nor an IP address"),
                Arguments.of(List.of("init", "--dir", "D", "--server-hosts", "999.1.1.1"),
                        "invalid host '999.1.1.1' in --server-hosts: neither a DNS name nor an IP address"),
                Arguments.of(List.of("init", "--dir", "D", "--agent-id", "agent 1"),
                        "invalid --agent-id 'agent 1': expected 1 to 64 characters of A-Z a-z 0-9 . _ -"),
                Arguments.of(List.of("init", "--dir", "D", "--agent-id", "a".repeat(65)),
                        "invalid --agent-id '" + "a".repeat(65)
                                + "': expected 1 to 64 characters of A-Z a-z 0-9 . _ -"),
                Arguments.of(List.of("init", "--dir", "D", "--client-name", "../x"),
                        "invalid --client-name '../x': expected 1 to 64 characters of A-Z a-z 0-9 . _ -"),
                Arguments.of(issue("--tree", "prod", "--kind", "client", "--name", "alice"),
                        "unknown --tree 'prod' (expected master or agent)"),
                Arguments.of(issue("--tree", "master", "--kind", "robot", "--name", "r2"),
                        "unknown --kind 'robot' (expected server, client, agent)"),
                Arguments.of(issue("--tree", "master", "--kind", "server", "--name", "web"),
                        "--kind server needs --hosts"),
                Arguments.of(issue("--tree", "master", "--kind", "server", "--name", "web", "--hosts", "a..b"),
                        "invalid host 'a..b' in --hosts: neither a DNS name nor an IP address"),
                Arguments.of(issue("--tree", "master", "--kind", "client", "--name", "alice", "--hosts", "x.example"),
                        "--hosts applies only to --kind server"),
                Arguments.of(issue("--tree", "agent", "--kind", "client", "--name", "alice"),
                        "--kind client does not belong in --tree agent"),
                Arguments.of(issue("--tree", "master", "--kind", "agent", "--name", "agent-2"),
                        "--kind agent does not belong in --tree master"),
                Arguments.of(issue("--tree", "master", "--kind", "client", "--name", "ca"),
                        "--name 'ca' is reserved for the tree's CA"),
                Arguments.of(issue("--tree", "agent", "--kind", "agent", "--name", "a/b"),
                        "invalid --name 'a/b': expected 1 to 64 characters of A-Z a-z 0-9 . _ -"),
                Arguments.of(issue("--tree", "master", "--kind", "client", "--name", "alice", "--days", "0"),
                        "invalid --days 0: expected 1 to 36500"),
                Arguments.of(List.of("issue", "--dir", "D", "--tree", "master"),
                        "The following options are required: [--kind], [--name]"),
                Arguments.of(issue("--tree", "master", "--kind", "client", "--name", "ca-previous"),
                        "--name 'ca-previous' is reserved for the tree's previous CA"),
                Arguments.of(renew("--tree", "prod", "--kind", "client", "--name", "alice"),
                        "unknown --tree 'prod' (expected master or agent)"),
                Arguments.of(renew("--tree", "master", "--kind", "robot", "--name", "r2"),
                        "unknown --kind 'robot' (expected server, client, agent, ca)"),
                Arguments.of(renew("--tree", "master", "--kind", "client"), "--kind client needs --name"),
                Arguments.of(renew("--tree", "master", "--kind", "ca", "--name", "proxy-client"),
                        "--kind ca takes no --name (a tree has one CA)"),
                Arguments.of(renew("--tree", "master", "--kind", "client", "--name", "ca"),
                        "--name 'ca' is reserved for the tree's CA"),
                Arguments.of(renew("--tree", "agent", "--kind", "client", "--name", "alice"),
                        "--kind client does not belong in --tree agent"),
                Arguments.of(renew("--tree", "agent", "--kind", "agent", "--name", "a/b"),
                        "invalid --name 'a/b': expected 1 to 64 characters of A-Z a-z 0-9 . _ -"),
                Arguments.of(renew("--tree", "agent", "--kind", "ca", "--days", "0"),
                        "invalid --days 0: expected 1 to 36500"),
                Arguments.of(List.of("renew", "--dir", "D", "--tree", "master"),
                        "The following option is required: [--kind]"),
                Arguments.of(List.of("export", "--dir", "D", "--namespace", "tunnel"),
                        "export needs a format: --kubernetes"),
                Arguments.of(List.of("export", "--dir", "D", "--kubernetes"), "--kubernetes needs --namespace"),
                Arguments.of(List.of("export", "--dir", "D", "--kubernetes", "--namespace", "Tunnel"),
                        "invalid --namespace 'Tunnel': expected 1 to 63 characters of a-z 0-9 -, starting and "
                                + "ending with a letter or digit"),
                Arguments.of(List.of("export", "--dir", "D", "--kubernetes", "--namespace", "-x"),
                        "invalid --namespace '-x': expected 1 to 63 characters of a-z 0-9 -, starting and "
                                + "ending with a letter or digit"),
                Arguments.of(List.of("export", "--dir", "D", "--kubernetes", "--namespace", "a".repeat(64)),
                        "invalid --namespace '" + "a".repeat(64) + "': expected 1 to 63 characters of a-z 0-9 -, "
                                + "starting and ending with a letter or digit"),
                Arguments.of(List.of("export", "--dir", "D", "--kubernetes", "--namespace", "ns", "--force"),
                        "--force applies only to --out FILE"),
                Arguments.of(List.of("show"), "show needs exactly one FILE, got 0"),
                Arguments.of(List.of("show", "a.crt", "b.crt"), "show needs exactly one FILE, got 2"),
                Arguments.of(List.of("show", "--bogus"), "unknown option '--bogus'"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("usageErrors")
    void usageErrorsNameTheProblemInOneLineExitTwoAndWriteNothing(List<String> args, String problem)
            throws Exception {
        Path dir = tmp.resolve("D");
        Cli cli = Cli.run(args.stream().map(arg -> "D".equals(arg) ? dir.toString() : arg).toArray(String[]::new));

        assertThat(cli.exitCode()).as(cli.toString()).isEqualTo(2);
        assertThat(cli.errLines()).hasSize(2);
        assertThat(cli.errLines().get(0)).isEqualTo("pki-tool: " + problem);
        assertThat(cli.errLines().get(1)).as("a hint follows, not the usage").startsWith("Run 'pki-tool")
                .endsWith(" --help' for usage.");
        assertThat(cli.out()).isEmpty();
        assertThat(allFiles(tmp)).isEmpty();
        assertThat(dir).doesNotExist();
    }

    private static List<String> issue(String... args) {
        return command("issue", args);
    }

    private static List<String> renew(String... args) {
        return command("renew", args);
    }

    private static List<String> command(String command, String... args) {
        List<String> all = new ArrayList<>(List.of(command, "--dir", "D"));
        all.addAll(List.of(args));
        return all;
    }

    // --- init ----------------------------------------------------------------------------------------------

    @Test
    void initWritesBothTreesWithPrivateModes() throws Exception {
        Path dir = tmp.resolve("certs");
        Cli cli = Cli.run("init", "--dir", dir.toString());

        assertThat(cli.exitCode()).as(cli.toString()).isZero();
        assertThat(cli.err()).isEmpty();
        PkiLayout layout = new PkiLayout(dir);
        List<Path> expected = initFiles(layout);
        assertThat(cli.out().lines()).containsExactlyElementsOf(expected.stream().map(f -> "wrote " + f).toList());
        assertThat(allFiles(dir)).containsExactlyInAnyOrderElementsOf(expected);

        assertThat(mode(dir)).isEqualTo("rwx------");
        for (Tree tree : Tree.values()) {
            assertThat(mode(layout.treeDir(tree))).isEqualTo("rwx------");
            assertThat(mode(layout.privateDir(tree))).isEqualTo("rwx------");
            assertThat(mode(layout.issuedDir(tree))).isEqualTo("rwxr-xr-x");
        }
        for (Path file : expected) {
            assertThat(mode(file)).as(file.toString())
                    .isEqualTo(file.toString().endsWith(".key") ? "rw-------" : "rw-r--r--");
        }
        X509Certificate agent = Pem.readCertificates(layout.certificate(Tree.AGENT, PkiLayout.AGENT)).get(0);
        assertThat(agent.getSubjectX500Principal().getName()).isEqualTo("CN=agent-1");
    }

    @Test
    void initNamesTheAgentAndClientAsAsked() throws Exception {
        Path dir = tmp.resolve("certs");
        Cli cli = Cli.run("init", "--dir", dir.toString(), "--agent-id", "edge.7", "--client-name", "alice",
                "--server-hosts", "proxy.example.com,192.0.2.1", "--days", "30", "--ca-days", "60");

        assertThat(cli.exitCode()).as(cli.toString()).isZero();
        PkiLayout layout = new PkiLayout(dir);
        X509Certificate agent = Pem.readCertificates(layout.certificate(Tree.AGENT, PkiLayout.AGENT)).get(0);
        X509Certificate client = Pem.readCertificates(layout.certificate(Tree.MASTER, PkiLayout.CLIENT)).get(0);
        X509Certificate server = Pem.readCertificates(layout.certificate(Tree.AGENT, PkiLayout.SERVER)).get(0);
        assertThat(agent.getSubjectAlternativeNames()).containsExactly(List.of(6, "urn:tunnel:agent:edge.7"));
        assertThat(client.getSubjectX500Principal().getName()).isEqualTo("CN=alice");
        assertThat(server.getSubjectX500Principal().getName()).isEqualTo("CN=proxy.example.com");
        assertThat(server.getSubjectAlternativeNames())
                .containsExactly(List.of(2, "proxy.example.com"), List.of(7, "192.0.2.1"));
    }

    @Test
    void initNeverOverwritesWithoutForce() throws Exception {
        Path dir = tmp.resolve("certs");
        assertThat(Cli.run("init", "--dir", dir.toString()).exitCode()).isZero();
        Map<Path, byte[]> before = contents(initFiles(new PkiLayout(dir)));

        Cli again = Cli.run("init", "--dir", dir.toString());

        assertThat(again.exitCode()).isEqualTo(1);
        assertThat(again.errLines()).containsExactly("pki-tool: " + dir.resolve("master/issued/ca.crt")
                + " already exists (use --force to replace it)");
        assertThat(again.out()).isEmpty();
        assertThat(contents(initFiles(new PkiLayout(dir)))).containsExactlyEntriesOf(before);
        assertThat(allFiles(dir)).hasSize(before.size());
    }

    @Test
    void initWithForceReplacesEveryFile() throws Exception {
        Path dir = tmp.resolve("certs");
        assertThat(Cli.run("init", "--dir", dir.toString()).exitCode()).isZero();
        Map<Path, byte[]> before = contents(initFiles(new PkiLayout(dir)));

        Cli forced = Cli.run("init", "--dir", dir.toString(), "--force");

        assertThat(forced.exitCode()).as(forced.toString()).isZero();
        Map<Path, byte[]> after = contents(initFiles(new PkiLayout(dir)));
        for (Path file : before.keySet()) {
            assertThat(after.get(file)).as(file.toString()).isNotEqualTo(before.get(file));
            assertThat(mode(file)).isEqualTo(file.toString().endsWith(".key") ? "rw-------" : "rw-r--r--");
        }
        assertThat(allFiles(dir)).hasSize(before.size());
    }

    @Test
    void initStopsBeforeWritingWhenOneFileIsInTheWay() throws Exception {
        Path dir = tmp.resolve("certs");
        Path inTheWay = new PkiLayout(dir).privateKey(Tree.AGENT, PkiLayout.AGENT);
        Files.createDirectories(inTheWay.getParent());
        Files.writeString(inTheWay, "mine");

        Cli cli = Cli.run("init", "--dir", dir.toString());

        assertThat(cli.exitCode()).isEqualTo(1);
        assertThat(cli.errLines()).containsExactly(
                "pki-tool: " + inTheWay + " already exists (use --force to replace it)");
        assertThat(allFiles(tmp)).containsExactly(inTheWay);
        assertThat(Files.readString(inTheWay)).isEqualTo("mine");
    }

    @Test
    void initFailsInOneLineUnderARegularFile() throws Exception {
        Path file = Files.writeString(tmp.resolve("file"), "x");
        Path dir = file.resolve("certs");

        Cli cli = Cli.run("init", "--dir", dir.toString());

        assertThat(cli.exitCode()).isEqualTo(1);
        assertThat(cli.errLines()).containsExactly("pki-tool: cannot create " + dir.resolve("master/issued/ca.crt")
                + ": " + file + " is not a directory");
        assertThat(allFiles(tmp)).containsExactly(file);
    }

    @Test
    void initFailsInOneLineWhereTheKernelRefusesDirectories() {
        Cli cli = Cli.run("init", "--dir", "/proc/pki-tool-test/certs");

        assertThat(cli.exitCode()).isEqualTo(1);
        assertThat(cli.errLines()).hasSize(1);
        assertThat(cli.errLines().get(0)).startsWith("pki-tool: cannot create");
        assertThat(Path.of("/proc/pki-tool-test")).doesNotExist();
    }

    // --- issue ---------------------------------------------------------------------------------------------

    @Test
    void issueAddsServerClientAndAgentCertificatesSignedByTheTreesCa() throws Exception {
        Path dir = tmp.resolve("certs");
        assertThat(Cli.run("init", "--dir", dir.toString()).exitCode()).isZero();
        PkiLayout layout = new PkiLayout(dir);

        Cli server = Cli.run("issue", "--dir", dir.toString(), "--tree", "master", "--kind", "server",
                "--name", "web", "--hosts", "api.example.com,10.1.2.3,::1", "--key-type", "rsa-3072");
        Cli client = Cli.run("issue", "--dir", dir.toString(), "--tree", "master", "--kind", "client",
                "--name", "bob", "--days", "7");
        Cli agent = Cli.run("issue", "--dir", dir.toString(), "--tree", "agent", "--kind", "agent",
                "--name", "agent-2");

        for (Cli cli : List.of(server, client, agent)) {
            assertThat(cli.exitCode()).as(cli.toString()).isZero();
            assertThat(cli.err()).isEmpty();
        }
        assertThat(agent.out().lines()).containsExactly("wrote " + layout.certificate(Tree.AGENT, "agent-2"),
                "wrote " + layout.privateKey(Tree.AGENT, "agent-2"));
        X509Certificate web = issued(layout, Tree.MASTER, "web");
        assertThat(web.getSubjectAlternativeNames()).containsExactly(List.of(2, "api.example.com"),
                List.of(7, "10.1.2.3"), List.of(7, "0:0:0:0:0:0:0:1"));
        assertThat(web.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
        assertThat(KeyType.describe(web.getPublicKey())).isEqualTo("RSA 3072");
        X509Certificate bob = issued(layout, Tree.MASTER, "bob");
        assertThat(bob.getSubjectX500Principal().getName()).isEqualTo("CN=bob");
        assertThat(bob.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
        X509Certificate agent2 = issued(layout, Tree.AGENT, "agent-2");
        assertThat(agent2.getSubjectAlternativeNames()).containsExactly(List.of(6, "urn:tunnel:agent:agent-2"));
        assertThat(agent2.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
        assertThat(mode(layout.privateKey(Tree.AGENT, "agent-2"))).isEqualTo("rw-------");
        assertThat(mode(layout.certificate(Tree.AGENT, "agent-2"))).isEqualTo("rw-r--r--");
    }

    @Test
    void issueNeverOverwritesWithoutForce() throws Exception {
        Path dir = tmp.resolve("certs");
        assertThat(Cli.run("init", "--dir", dir.toString()).exitCode()).isZero();
        Path certificate = new PkiLayout(dir).certificate(Tree.AGENT, PkiLayout.AGENT);
        byte[] before = Files.readAllBytes(certificate);
        String[] args = {"issue", "--dir", dir.toString(), "--tree", "agent", "--kind", "agent",
            "--name", PkiLayout.AGENT};

        Cli refused = Cli.run(args);

        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.errLines())
                .containsExactly("pki-tool: " + certificate + " already exists (use --force to replace it)");
        assertThat(Files.readAllBytes(certificate)).isEqualTo(before);

        String[] forced = Stream.concat(Stream.of(args), Stream.of("--force")).toArray(String[]::new);
        assertThat(Cli.run(forced).exitCode()).isZero();
        assertThat(Files.readAllBytes(certificate)).isNotEqualTo(before);
        assertThat(issued(new PkiLayout(dir), Tree.AGENT, PkiLayout.AGENT).getSubjectAlternativeNames())
                .containsExactly(List.of(6, "urn:tunnel:agent:" + PkiLayout.AGENT));
    }

    @Test
    void issueNeedsTheTreesCa() throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("empty"));

        Cli cli = Cli.run("issue", "--dir", dir.toString(), "--tree", "master", "--kind", "client", "--name", "x");

        assertThat(cli.exitCode()).isEqualTo(1);
        assertThat(cli.errLines()).containsExactly("pki-tool: no master CA in " + dir + ": "
                + dir.resolve("master/issued/ca.crt") + " is missing (run pki-tool init first)");
        assertThat(allFiles(tmp)).isEmpty();
        assertThat(dir.resolve("master")).doesNotExist();
    }

    @Test
    void issueNeedsTheCaKeyToo() throws Exception {
        Path dir = tmp.resolve("certs");
        assertThat(Cli.run("init", "--dir", dir.toString()).exitCode()).isZero();
        Path caKey = new PkiLayout(dir).privateKey(Tree.AGENT, PkiLayout.CA);
        Files.delete(caKey);

        Cli cli = Cli.run("issue", "--dir", dir.toString(), "--tree", "agent", "--kind", "agent", "--name", "a2");

        assertThat(cli.exitCode()).isEqualTo(1);
        assertThat(cli.errLines()).containsExactly("pki-tool: no agent CA in " + dir + ": " + caKey
                + " is missing (run pki-tool init first)");
        assertThat(new PkiLayout(dir).certificate(Tree.AGENT, "a2")).doesNotExist();
    }

    @Test
    void issueRefusesACaKeyThatIsNotTheCertificatesKey() throws Exception {
        Path dir = tmp.resolve("certs");
        assertThat(Cli.run("init", "--dir", dir.toString()).exitCode()).isZero();
        PkiLayout layout = new PkiLayout(dir);
        Files.copy(layout.privateKey(Tree.AGENT, PkiLayout.CA), layout.privateKey(Tree.MASTER, PkiLayout.CA),
                StandardCopyOption.REPLACE_EXISTING);

        Cli cli = Cli.run("issue", "--dir", dir.toString(), "--tree", "master", "--kind", "client", "--name", "x");

        assertThat(cli.exitCode()).isEqualTo(1);
        assertThat(cli.errLines()).containsExactly("pki-tool: " + layout.privateKey(Tree.MASTER, PkiLayout.CA)
                + " is not the key of " + layout.certificate(Tree.MASTER, PkiLayout.CA));
        assertThat(layout.certificate(Tree.MASTER, "x")).doesNotExist();
    }

    @Test
    void issueRefusesACertificateThatOutlivesItsCa() throws Exception {
        Path dir = tmp.resolve("certs");
        assertThat(Cli.run("init", "--dir", dir.toString(), "--days", "5", "--ca-days", "10").exitCode()).isZero();

        Cli cli = Cli.run("issue", "--dir", dir.toString(), "--tree", "master", "--kind", "client", "--name", "x",
                "--days", "20");

        assertThat(cli.exitCode()).isEqualTo(1);
        assertThat(cli.errLines()).hasSize(1);
        assertThat(cli.errLines().get(0))
                .startsWith("pki-tool: --days 20 would outlive the master CA, which expires on ");
    }

    // --- show ----------------------------------------------------------------------------------------------

    @Test
    void showPrintsEveryField() throws Exception {
        Path dir = tmp.resolve("certs");
        assertThat(Cli.run("init", "--dir", dir.toString(), "--server-hosts", "localhost,127.0.0.1,::1").exitCode())
                .isZero();
        Path file = new PkiLayout(dir).certificate(Tree.MASTER, PkiLayout.SERVER);
        X509Certificate certificate = Pem.readCertificates(file).get(0);

        Cli cli = Cli.run("show", file.toString());

        assertThat(cli.exitCode()).as(cli.toString()).isZero();
        assertThat(cli.err()).isEmpty();
        assertThat(cli.out().lines()).containsExactly(
                "Subject:             CN=localhost",
                "Issuer:              CN=tunnel master CA",
                "Serial:              " + certificate.getSerialNumber().toString(16),
                "Not before:          " + certificate.getNotBefore().toInstant(),
                "Not after:           " + certificate.getNotAfter().toInstant(),
                cli.out().lines().toList().get(5),
                "Key type:            EC P-256",
                "Signature:           SHA256withECDSA",
                "CA:                  no",
                "Key usage:           digitalSignature",
                "Extended key usage:  serverAuth",
                "SANs:                DNS:localhost, IP:127.0.0.1, IP:0:0:0:0:0:0:0:1",
                cli.out().lines().toList().get(12));
        assertThat(cli.out().lines().toList().get(5)).matches("Days left:           36[45]");
        assertThat(cli.out().lines().toList().get(12)).matches("SHA-256 fingerprint: ([0-9A-F]{2}:){31}[0-9A-F]{2}");
    }

    @Test
    void showPrintsCaAgentAndRsaFields() throws Exception {
        Path dir = tmp.resolve("certs");
        assertThat(Cli.run("init", "--dir", dir.toString(), "--key-type", "rsa-3072").exitCode()).isZero();
        PkiLayout layout = new PkiLayout(dir);

        Cli ca = Cli.run("show", layout.certificate(Tree.AGENT, PkiLayout.CA).toString());
        Cli agent = Cli.run("show", layout.certificate(Tree.AGENT, PkiLayout.AGENT).toString());

        assertThat(ca.out()).contains("Subject:             CN=tunnel agent CA",
                "CA:                  yes (path length 0)",
                "Key usage:           keyCertSign, cRLSign", "Extended key usage:  (none)",
                "Key type:            RSA 3072");
        assertThat(agent.out()).contains("Subject:             CN=agent-1",
                "Issuer:              CN=tunnel agent CA",
                "Key usage:           digitalSignature, keyEncipherment", "Extended key usage:  clientAuth",
                "SANs:                URI:urn:tunnel:agent:agent-1", "Signature:           SHA256withRSA");
    }

    @Test
    void showCountsWholeDaysLeftAndSaysWhenExpiredOrNotYetValid() throws Exception {
        Instant issued = Instant.parse("2030-01-01T00:00:00Z");
        CertificateProfiles profiles = new CertificateProfiles(new SecureRandom());
        CertificateBundle ca = profiles.certificateAuthority(Tree.MASTER, KeyType.EC_P256,
                Validity.ofDays(issued, 30));
        Path file = tmp.resolve("ca.crt");
        Files.write(file, Pem.encode(ca.certificate()));

        assertThat(daysLeftAt(file, issued)).isEqualTo("30");
        assertThat(daysLeftAt(file, issued.plus(Duration.ofHours(1)))).isEqualTo("29");
        assertThat(daysLeftAt(file, issued.plus(Duration.ofDays(30)))).as("the last valid second").isEqualTo("0");
        assertThat(daysLeftAt(file, issued.plus(Duration.ofDays(30)).plusSeconds(1))).isEqualTo("-1 (expired)");
        assertThat(daysLeftAt(file, issued.plus(Duration.ofDays(45)))).isEqualTo("-15 (expired)");
        assertThat(daysLeftAt(file, issued.minus(Duration.ofDays(2)))).isEqualTo("32 (not yet valid)");
    }

    @Test
    void showFailsInOneLineOnAMissingFileOrAKey() throws Exception {
        Path dir = tmp.resolve("certs");
        assertThat(Cli.run("init", "--dir", dir.toString()).exitCode()).isZero();
        Path missing = tmp.resolve("missing.crt");
        Path key = new PkiLayout(dir).privateKey(Tree.MASTER, PkiLayout.CA);

        Cli absent = Cli.run("show", missing.toString());
        Cli notACertificate = Cli.run("show", key.toString());

        assertThat(absent.exitCode()).isEqualTo(1);
        assertThat(absent.errLines()).containsExactly(
                "pki-tool: cannot read " + missing + ": no such file or directory: " + missing);
        assertThat(notACertificate.exitCode()).isEqualTo(1);
        assertThat(notACertificate.errLines()).hasSize(1);
        assertThat(notACertificate.errLines().get(0)).startsWith("pki-tool: no ").contains(key.toString());
    }

    /** The "Days left:" value that {@code show} prints for {@code file} at {@code now}. */
    private static String daysLeftAt(Path file, Instant now) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            new ShowOperation(Clock.fixed(now, ZoneOffset.UTC)).run(new ShowRequest(file), out);
        }
        String prefix = "Days left:";
        return bytes.toString(StandardCharsets.UTF_8).lines().filter(line -> line.startsWith(prefix))
                .map(line -> line.substring(prefix.length()).strip()).findFirst().orElseThrow();
    }

    private static List<Path> initFiles(PkiLayout layout) {
        List<Path> files = new ArrayList<>();
        files.addAll(layout.files(Tree.MASTER, PkiLayout.CA));
        files.addAll(layout.files(Tree.MASTER, PkiLayout.SERVER));
        files.addAll(layout.files(Tree.MASTER, PkiLayout.CLIENT));
        files.addAll(layout.files(Tree.AGENT, PkiLayout.CA));
        files.addAll(layout.files(Tree.AGENT, PkiLayout.SERVER));
        files.addAll(layout.files(Tree.AGENT, PkiLayout.AGENT));
        return files;
    }

    private static Map<Path, byte[]> contents(List<Path> files) throws Exception {
        Map<Path, byte[]> contents = new LinkedHashMap<>();
        for (Path file : files) {
            contents.put(file, Files.readAllBytes(file));
        }
        return contents;
    }

    private static X509Certificate issued(PkiLayout layout, Tree tree, String name) throws Exception {
        X509Certificate certificate = Pem.readCertificates(layout.certificate(tree, name)).get(0);
        X509Certificate ca = Pem.readCertificates(layout.certificate(tree, PkiLayout.CA)).get(0);
        certificate.verify(ca.getPublicKey());
        return certificate;
    }
}
