package io.tunnel.pki;

import static io.tunnel.pki.FileTransactionTest.mode;
import static io.tunnel.pki.FileTransactionTest.snapshot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code pki-tool renew}: what a renewed certificate keeps and changes, checked with the JDK and the {@code openssl}
 * command line, a CA renewed with its key and with a new one, and every refusal leaving the tree as it was.
 */
class RenewTest {

    /** Days of the leaves {@code init} makes here, so that a renewal for longer shows a later notAfter. */
    private static final int INIT_DAYS = 5;

    @TempDir
    Path tmp;

    private Path dir;
    private PkiLayout layout;

    @BeforeAll
    static void requireOpenssl() {
        assertThat(Openssl.isAvailable()).as("needs %s (.ci/run installs it)", Openssl.BINARY).isTrue();
    }

    @BeforeEach
    void init() {
        dir = tmp.resolve("certs");
        layout = new PkiLayout(dir);
        ok(Cli.run("init", "--dir", dir.toString(), "--days", Integer.toString(INIT_DAYS),
                "--server-hosts", "::1,localhost,127.0.0.1"));
    }

    /** Every leaf {@code init} makes, with its kind and the openssl purpose it must verify for. */
    static Stream<Arguments> leaves() {
        return Stream.of(
                Arguments.of(Tree.MASTER, "server", PkiLayout.SERVER, "sslserver"),
                Arguments.of(Tree.MASTER, "client", PkiLayout.CLIENT, "sslclient"),
                Arguments.of(Tree.AGENT, "server", PkiLayout.SERVER, "sslserver"),
                Arguments.of(Tree.AGENT, "agent", PkiLayout.AGENT, "sslclient"));
    }

    @ParameterizedTest(name = "{0}/{2}")
    @MethodSource("leaves")
    void renewedLeafKeepsItsKeyAndNamesWithANewSerialAndValidity(Tree tree, String kind, String name,
                                                                  String purpose) throws Exception {
        X509Certificate before = certificate(tree, name);
        byte[] key = Files.readAllBytes(layout.privateKey(tree, name));

        Cli cli = Cli.run("renew", "--dir", dir.toString(), "--tree", tree.flagName(), "--kind", kind,
                "--name", name, "--days", "30");

        ok(cli);
        assertThat(cli.out().lines()).containsExactly("wrote " + layout.certificate(tree, name));
        X509Certificate after = certificate(tree, name);
        assertSameNamesAndUsages(after, before);
        assertThat(after.getPublicKey()).isEqualTo(before.getPublicKey());
        assertThat(Files.readAllBytes(layout.privateKey(tree, name))).isEqualTo(key);
        assertThat(after.getSerialNumber()).isNotEqualTo(before.getSerialNumber());
        assertThat(after.getNotAfter()).isAfter(before.getNotAfter());
        assertThat(after.getNotAfter().toInstant())
                .isCloseTo(Instant.now().plus(Duration.ofDays(30)), within(5, ChronoUnit.SECONDS));
        assertThat(mode(layout.certificate(tree, name))).isEqualTo("rw-r--r--");
        assertVerifies(layout.certificate(tree, PkiLayout.CA), layout.certificate(tree, name), purpose);
        assertKeyMatches(tree, name);
    }

    @ParameterizedTest(name = "{0}/{2}")
    @MethodSource("leaves")
    void renewedLeafWithNewKeyHasANewKeyOfTheSameType(Tree tree, String kind, String name, String purpose)
            throws Exception {
        X509Certificate before = certificate(tree, name);
        byte[] key = Files.readAllBytes(layout.privateKey(tree, name));

        Cli cli = Cli.run("renew", "--dir", dir.toString(), "--tree", tree.flagName(), "--kind", kind,
                "--name", name, "--new-key");

        ok(cli);
        assertThat(cli.out().lines()).containsExactly("wrote " + layout.certificate(tree, name),
                "wrote " + layout.privateKey(tree, name));
        X509Certificate after = certificate(tree, name);
        assertSameNamesAndUsages(after, before);
        assertThat(after.getPublicKey()).isNotEqualTo(before.getPublicKey());
        assertThat(KeyType.describe(after.getPublicKey())).isEqualTo("EC P-256");
        assertThat(Files.readAllBytes(layout.privateKey(tree, name))).isNotEqualTo(key);
        assertThat(mode(layout.privateKey(tree, name))).isEqualTo("rw-------");
        assertVerifies(layout.certificate(tree, PkiLayout.CA), layout.certificate(tree, name), purpose);
        assertKeyMatches(tree, name);
    }

    @Test
    void rsaCertificateGetsAnRsaKeyAndKeepsKeyEncipherment() throws Exception {
        ok(Cli.run("issue", "--dir", dir.toString(), "--tree", "master", "--kind", "client", "--name", "rsa",
                "--key-type", "rsa-3072"));
        X509Certificate before = certificate(Tree.MASTER, "rsa");

        ok(Cli.run("renew", "--dir", dir.toString(), "--tree", "master", "--kind", "client", "--name", "rsa",
                "--new-key"));

        X509Certificate after = certificate(Tree.MASTER, "rsa");
        assertSameNamesAndUsages(after, before);
        assertThat(after.getKeyUsage()[2]).as("keyEncipherment").isTrue();
        assertThat(KeyType.describe(after.getPublicKey())).isEqualTo("RSA 3072");
        assertThat(after.getPublicKey()).isNotEqualTo(before.getPublicKey());
        assertKeyMatches(Tree.MASTER, "rsa");
    }

    @Test
    void withoutDaysALeafIsRenewedForAsLongAsBeforeButNotBeyondItsCa() throws Exception {
        ok(Cli.run("issue", "--dir", dir.toString(), "--tree", "agent", "--kind", "agent", "--name", "a2",
                "--days", "40"));
        ok(Cli.run("issue", "--dir", dir.toString(), "--tree", "agent", "--kind", "agent", "--name", "a3",
                "--days", "1000"));
        ok(Cli.run("renew", "--dir", dir.toString(), "--tree", "agent", "--kind", "ca", "--days", "100"));
        Instant caNotAfter = certificate(Tree.AGENT, PkiLayout.CA).getNotAfter().toInstant();

        ok(Cli.run("renew", "--dir", dir.toString(), "--tree", "agent", "--kind", "agent", "--name", "a2"));
        ok(Cli.run("renew", "--dir", dir.toString(), "--tree", "agent", "--kind", "agent", "--name", "a3"));

        assertThat(certificate(Tree.AGENT, "a2").getNotAfter().toInstant())
                .isCloseTo(Instant.now().plus(Duration.ofDays(40)), within(5, ChronoUnit.SECONDS));
        assertThat(certificate(Tree.AGENT, "a3").getNotAfter().toInstant()).isEqualTo(caNotAfter);
        Cli tooLong = Cli.run("renew", "--dir", dir.toString(), "--tree", "agent", "--kind", "agent", "--name", "a3",
                "--days", "1000");
        assertThat(tooLong.errLines()).containsExactly("pki-tool: --days 1000 would outlive the agent CA, which "
                + "expires on " + caNotAfter);
    }

    @Test
    void serverWhoseFirstHostIsAnIpv6AddressKeepsItAsCn() throws Exception {
        X509Certificate before = certificate(Tree.MASTER, PkiLayout.SERVER);
        assertThat(before.getSubjectX500Principal().getName()).isEqualTo("CN=::1");

        ok(Cli.run("renew", "--dir", dir.toString(), "--tree", "master", "--kind", "server",
                "--name", PkiLayout.SERVER));

        assertSameNamesAndUsages(certificate(Tree.MASTER, PkiLayout.SERVER), before);
    }

    @Test
    void caRenewedWithItsKeyStillVerifiesWhatItIssued() throws Exception {
        X509Certificate before = certificate(Tree.MASTER, PkiLayout.CA);
        byte[] caKey = Files.readAllBytes(layout.privateKey(Tree.MASTER, PkiLayout.CA));

        Cli cli = Cli.run("renew", "--dir", dir.toString(), "--tree", "master", "--kind", "ca", "--days", "7300");

        ok(cli);
        assertThat(cli.out().lines()).containsExactly("wrote " + layout.certificate(Tree.MASTER, PkiLayout.CA));
        X509Certificate after = certificate(Tree.MASTER, PkiLayout.CA);
        assertSameNamesAndUsages(after, before);
        assertThat(after.getPublicKey()).isEqualTo(before.getPublicKey());
        assertThat(Files.readAllBytes(layout.privateKey(Tree.MASTER, PkiLayout.CA))).isEqualTo(caKey);
        assertThat(after.getSerialNumber()).isNotEqualTo(before.getSerialNumber());
        assertThat(after.getNotAfter()).isAfter(before.getNotAfter());
        assertThat(layout.certificate(Tree.MASTER, PkiLayout.PREVIOUS_CA)).doesNotExist();
        Path renewedCa = layout.certificate(Tree.MASTER, PkiLayout.CA);
        assertVerifies(renewedCa, layout.certificate(Tree.MASTER, PkiLayout.SERVER), "sslserver");
        assertVerifies(renewedCa, layout.certificate(Tree.MASTER, PkiLayout.CLIENT), "sslclient");
    }

    @Test
    void caWithANewKeyKeepsThePreviousOneUntilTheLeavesAreRenewed() throws Exception {
        Path ca = layout.certificate(Tree.AGENT, PkiLayout.CA);
        Path previous = layout.certificate(Tree.AGENT, PkiLayout.PREVIOUS_CA);
        Path agent = layout.certificate(Tree.AGENT, PkiLayout.AGENT);
        byte[] oldCa = Files.readAllBytes(ca);
        byte[] oldCaKey = Files.readAllBytes(layout.privateKey(Tree.AGENT, PkiLayout.CA));

        Cli cli = Cli.run("renew", "--dir", dir.toString(), "--tree", "agent", "--kind", "ca", "--new-key");

        ok(cli);
        assertThat(cli.out().lines()).containsExactly("wrote " + ca,
                "wrote " + layout.privateKey(Tree.AGENT, PkiLayout.CA), "wrote " + previous);
        assertThat(Files.readAllBytes(previous)).isEqualTo(oldCa);
        assertThat(mode(previous)).isEqualTo("rw-r--r--");
        assertThat(Files.readAllBytes(layout.privateKey(Tree.AGENT, PkiLayout.CA))).isNotEqualTo(oldCaKey);
        assertThat(certificate(Tree.AGENT, PkiLayout.CA).getPublicKey())
                .isNotEqualTo(Pem.readCertificates(previous).get(0).getPublicKey());
        assertSameNamesAndUsages(certificate(Tree.AGENT, PkiLayout.CA), Pem.readCertificates(previous).get(0));
        assertKeyMatches(Tree.AGENT, PkiLayout.CA);

        Openssl.Result unrenewed = Openssl.run("verify", "-CAfile", ca, agent);
        assertThat(unrenewed.exitCode()).as(unrenewed.output()).isNotZero();
        Path bundle = Files.write(tmp.resolve("bundle.crt"), concat(Files.readAllBytes(ca), oldCa));
        assertVerifies(bundle, agent, "sslclient");

        ok(Cli.run("renew", "--dir", dir.toString(), "--tree", "agent", "--kind", "agent",
                "--name", PkiLayout.AGENT));
        assertVerifies(ca, agent, "sslclient");
        Openssl.Result againstPrevious = Openssl.run("verify", "-CAfile", previous, agent);
        assertThat(againstPrevious.exitCode()).as(againstPrevious.output()).isNotZero();

        Map<Path, String> before = snapshot(tmp);
        Cli again = Cli.run("renew", "--dir", dir.toString(), "--tree", "agent", "--kind", "ca", "--new-key");
        assertThat(again.exitCode()).as(again.toString()).isEqualTo(1);
        assertThat(again.errLines()).containsExactly("pki-tool: " + previous + " still holds the CA that the last "
                + "new key replaced: renew every certificate it issued, delete it, then replace the CA again");
        assertThat(snapshot(tmp)).isEqualTo(before);

        Files.delete(previous);
        ok(Cli.run("renew", "--dir", dir.toString(), "--tree", "agent", "--kind", "ca", "--new-key"));

        Map<Path, String> rotating = snapshot(tmp);
        Cli init = Cli.run("init", "--dir", dir.toString(), "--force");
        assertThat(init.errLines()).containsExactly("pki-tool: " + previous + " is left from a CA rotation and "
                + "would be trusted next to the new CA: delete it first");
        assertThat(snapshot(tmp)).isEqualTo(rotating);
    }

    @Test
    void anExpiredCaCanBeRenewedWithItsKey() throws Exception {
        Path expiredDir = tmp.resolve("expired");
        PkiLayout expired = new PkiLayout(expiredDir);
        CertificateProfiles profiles = new CertificateProfiles(new SecureRandom());
        Instant longAgo = Instant.now().minus(Duration.ofDays(400));
        CertificateBundle ca = profiles.certificateAuthority(Tree.MASTER, KeyType.EC_P256,
                Validity.ofDays(longAgo, 365));
        FileTransaction transaction = new FileTransaction(false);
        expired.stage(transaction, Tree.MASTER, PkiLayout.CA, ca);
        transaction.commit();

        Cli leaf = Cli.run("issue", "--dir", expiredDir.toString(), "--tree", "master", "--kind", "client",
                "--name", "x");
        assertThat(leaf.errLines()).hasSize(1);
        assertThat(leaf.errLines().get(0)).startsWith("pki-tool: the master CA expired on ");

        ok(Cli.run("renew", "--dir", expiredDir.toString(), "--tree", "master", "--kind", "ca"));
        X509Certificate renewed = Pem.readCertificates(expired.certificate(Tree.MASTER, PkiLayout.CA)).get(0);
        renewed.checkValidity();
        assertThat(renewed.getPublicKey()).isEqualTo(ca.certificate().getPublicKey());
        assertThat(Validity.daysOf(renewed.getNotBefore().toInstant(), renewed.getNotAfter().toInstant()))
                .isEqualTo(365);
    }

    @Test
    void aLostKeyCanBeReplacedWithNewKey() throws Exception {
        Files.delete(layout.privateKey(Tree.MASTER, PkiLayout.CLIENT));
        String[] args = {"renew", "--dir", dir.toString(), "--tree", "master", "--kind", "client",
            "--name", PkiLayout.CLIENT};

        Cli refused = Cli.run(args);
        ok(Cli.run(Stream.concat(Stream.of(args), Stream.of("--new-key")).toArray(String[]::new)));

        assertThat(refused.errLines()).containsExactly("pki-tool: no key for "
                + layout.certificate(Tree.MASTER, PkiLayout.CLIENT) + ": "
                + layout.privateKey(Tree.MASTER, PkiLayout.CLIENT) + " is missing");
        assertKeyMatches(Tree.MASTER, PkiLayout.CLIENT);
    }

    /** Arguments after {@code renew --dir D}, a change to the tree before, and the one-line problem. */
    static Stream<Arguments> failures() {
        return Stream.of(
                Arguments.of(List.of("--tree", "master", "--kind", "client", "--name", "nobody"), "none",
                        "no certificate 'nobody' in the master tree: D/master/issued/nobody.crt is missing"),
                Arguments.of(List.of("--tree", "master", "--kind", "server", "--name", PkiLayout.CLIENT), "none",
                        "D/master/issued/proxy-client.crt is a client certificate, not a server one (--kind server)"),
                Arguments.of(List.of("--tree", "agent", "--kind", "server", "--name", PkiLayout.AGENT), "none",
                        "D/agent/issued/proxy-agent.crt is an agent certificate, not a server one (--kind server)"),
                Arguments.of(List.of("--tree", "master", "--kind", "client", "--name", PkiLayout.CLIENT),
                        "delete client key", "no key for D/master/issued/proxy-client.crt: "
                                + "D/master/private/proxy-client.key is missing"),
                Arguments.of(List.of("--tree", "master", "--kind", "client", "--name", PkiLayout.CLIENT),
                        "other client key", "D/master/private/proxy-client.key is not the key of "
                                + "D/master/issued/proxy-client.crt"),
                Arguments.of(List.of("--tree", "master", "--kind", "server", "--name", "stray"),
                        "agent server in master tree",
                        "D/master/issued/stray.crt was not issued by the master CA (its issuer is CN=tunnel agent CA)"),
                Arguments.of(List.of("--tree", "master", "--kind", "client", "--name", PkiLayout.CLIENT),
                        "delete master CA key", "no master CA in D: D/master/private/ca.key is missing "
                                + "(run pki-tool init first)"),
                Arguments.of(List.of("--tree", "master", "--kind", "ca"), "delete master CA key",
                        "no master CA in D: D/master/private/ca.key is missing (run pki-tool init first)"),
                Arguments.of(List.of("--tree", "master", "--kind", "client", "--name", "odd"),
                        "client with a DNS name", "cannot renew D/master/issued/odd.crt as it is: pki-tool would "
                                + "change its subject alternative names (issue a new certificate instead)"),
                Arguments.of(List.of("--tree", "master", "--kind", "client", "--name", PkiLayout.CLIENT, "--days",
                        "4000"), "none", "--days 4000 would outlive the master CA, which expires on "));
    }

    @ParameterizedTest(name = "{1}: {2}")
    @MethodSource("failures")
    void failuresNameTheProblemInOneLineAndChangeNothing(List<String> args, String change, String problem)
            throws Exception {
        prepare(change);
        Map<Path, String> before = snapshot(tmp);
        List<String> all = new ArrayList<>(List.of("renew", "--dir", dir.toString()));
        all.addAll(args);

        Cli cli = Cli.run(all.toArray(String[]::new));

        assertThat(cli.exitCode()).as(cli.toString()).isEqualTo(1);
        assertThat(cli.errLines()).hasSize(1);
        assertThat(cli.errLines().get(0)).startsWith("pki-tool: " + problem.replace("D/", dir + "/")
                .replace("in D:", "in " + dir + ":"));
        assertThat(cli.out()).isEmpty();
        assertThat(snapshot(tmp)).isEqualTo(before);
    }

    private void prepare(String change) throws Exception {
        switch (change) {
            case "none" -> {
            }
            case "delete client key" -> Files.delete(layout.privateKey(Tree.MASTER, PkiLayout.CLIENT));
            case "other client key" -> Files.copy(layout.privateKey(Tree.MASTER, PkiLayout.SERVER),
                    layout.privateKey(Tree.MASTER, PkiLayout.CLIENT), StandardCopyOption.REPLACE_EXISTING);
            case "agent server in master tree" -> {
                Files.copy(layout.certificate(Tree.AGENT, PkiLayout.SERVER), layout.certificate(Tree.MASTER, "stray"));
                Files.copy(layout.privateKey(Tree.AGENT, PkiLayout.SERVER), layout.privateKey(Tree.MASTER, "stray"));
            }
            case "delete master CA key" -> Files.delete(layout.privateKey(Tree.MASTER, PkiLayout.CA));
            case "client with a DNS name" -> {
                CertificateBundle ca = TreeReader.ca(layout, Tree.MASTER);
                CertificateBundle odd = new CertificateBuilder(new SecureRandom())
                        .subject("odd").validity(Validity.ofDays(Instant.now(), 5))
                        .keyUsage(KeyUsage.digitalSignature).extendedKeyUsage(KeyPurposeId.id_kp_clientAuth)
                        .addSanHost("odd.example")
                        .buildIssuedBy(ca);
                FileTransaction transaction = new FileTransaction(false);
                layout.stage(transaction, Tree.MASTER, "odd", odd);
                transaction.commit();
            }
            default -> throw new IllegalArgumentException(change);
        }
    }

    private X509Certificate certificate(Tree tree, String name) throws PkiException {
        return Pem.readCertificates(layout.certificate(tree, name)).get(0);
    }

    private static void assertSameNamesAndUsages(X509Certificate actual, X509Certificate expected)
            throws Exception {
        assertThat(actual.getSubjectX500Principal()).isEqualTo(expected.getSubjectX500Principal());
        assertThat(actual.getIssuerX500Principal()).isEqualTo(expected.getIssuerX500Principal());
        assertThat(actual.getSubjectAlternativeNames() == null ? null
                : List.copyOf(actual.getSubjectAlternativeNames()))
                .isEqualTo(expected.getSubjectAlternativeNames() == null ? null
                        : List.copyOf(expected.getSubjectAlternativeNames()));
        assertThat(actual.getExtendedKeyUsage()).isEqualTo(expected.getExtendedKeyUsage());
        assertThat(actual.getKeyUsage()).isEqualTo(expected.getKeyUsage());
        assertThat(actual.getBasicConstraints()).isEqualTo(expected.getBasicConstraints());
    }

    private void assertKeyMatches(Tree tree, String name) throws Exception {
        Openssl.Result keyPublic = Openssl.run("pkey", "-in", layout.privateKey(tree, name), "-pubout");
        Openssl.Result certificatePublic =
                Openssl.run("x509", "-in", layout.certificate(tree, name), "-noout", "-pubkey");
        assertThat(keyPublic.exitCode()).as(keyPublic.output()).isZero();
        assertThat(keyPublic.output()).isEqualTo(certificatePublic.output());
    }

    private static void assertVerifies(Path caFile, Path certificate, String purpose) throws Exception {
        Openssl.Result result = Openssl.run("verify", "-CAfile", caFile, "-purpose", purpose, certificate);
        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).contains(certificate + ": OK");
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] both = new byte[first.length + second.length];
        System.arraycopy(first, 0, both, 0, first.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }

    private static void ok(Cli cli) {
        assertThat(cli.exitCode()).as(cli.toString()).isZero();
        assertThat(cli.err()).isEmpty();
    }
}
