package io.tunnel.pki;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMParser;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** The certificates of {@code init}, checked by the {@code openssl} command line, for each key type. */
class OpensslVerifyTest {

    private static final String SERVER_PURPOSE = "sslserver";
    private static final String CLIENT_PURPOSE = "sslclient";

    @TempDir
    static Path tempDir;

    private static final Map<KeyType, PkiLayout> TREES = new EnumMap<>(KeyType.class);

    @BeforeAll
    static void requireOpenssl() {
        assertThat(Openssl.isAvailable()).as("needs %s (.ci/run installs it)", Openssl.BINARY).isTrue();
    }

    /** The trees of one key type, made once. */
    private static synchronized PkiLayout trees(KeyType keyType) {
        return TREES.computeIfAbsent(keyType, type -> {
            Path dir = tempDir.resolve(type.flagName());
            Cli init = Cli.run("init", "--dir", dir.toString(), "--key-type", type.flagName(),
                    "--server-hosts", "localhost,127.0.0.1,::1,tunnel.example.com");
            assertThat(init.exitCode()).as(init.toString()).isZero();
            return new PkiLayout(dir);
        });
    }

    /** Every leaf of both trees for both key types, with the purpose it must verify for. */
    static Stream<Arguments> leaves() {
        List<Arguments> leaves = new ArrayList<>();
        for (KeyType type : KeyType.values()) {
            leaves.add(Arguments.of(type, Tree.MASTER, PkiLayout.SERVER, SERVER_PURPOSE));
            leaves.add(Arguments.of(type, Tree.MASTER, PkiLayout.CLIENT, CLIENT_PURPOSE));
            leaves.add(Arguments.of(type, Tree.AGENT, PkiLayout.SERVER, SERVER_PURPOSE));
            leaves.add(Arguments.of(type, Tree.AGENT, PkiLayout.AGENT, CLIENT_PURPOSE));
        }
        return leaves.stream();
    }

    @ParameterizedTest(name = "{0} {1}/{2} verifies for {3}")
    @MethodSource("leaves")
    void verifiesAgainstItsOwnCa(KeyType type, Tree tree, String name, String purpose) throws Exception {
        PkiLayout layout = trees(type);
        Path certificate = layout.certificate(tree, name);

        Openssl.Result result = Openssl.run("verify", "-CAfile", layout.certificate(tree, PkiLayout.CA),
                "-purpose", purpose, certificate);

        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).contains(certificate + ": OK");
    }

    @ParameterizedTest(name = "{0} {1}/{2} fails against the other CA")
    @MethodSource("leaves")
    void failsAgainstTheOtherTreesCa(KeyType type, Tree tree, String name, String purpose) throws Exception {
        PkiLayout layout = trees(type);
        Tree other = tree == Tree.MASTER ? Tree.AGENT : Tree.MASTER;

        Openssl.Result result = Openssl.run("verify", "-CAfile", layout.certificate(other, PkiLayout.CA),
                "-purpose", purpose, layout.certificate(tree, name));

        assertThat(result.exitCode()).as(result.output()).isNotZero();
        assertThat(result.output()).contains("unable to get local issuer certificate");
    }

    @ParameterizedTest(name = "{0} {1}/{2} fails for the other purpose")
    @MethodSource("leaves")
    void failsForTheOtherPurpose(KeyType type, Tree tree, String name, String purpose) throws Exception {
        PkiLayout layout = trees(type);
        String otherPurpose = SERVER_PURPOSE.equals(purpose) ? CLIENT_PURPOSE : SERVER_PURPOSE;

        Openssl.Result result = Openssl.run("verify", "-CAfile", layout.certificate(tree, PkiLayout.CA),
                "-purpose", otherPurpose, layout.certificate(tree, name));

        assertThat(result.exitCode()).as(result.output()).isNotZero();
        assertThat(result.output()).contains("unsuitable certificate purpose");
    }

    @ParameterizedTest
    @EnumSource(KeyType.class)
    void caCertificatesAreCas(KeyType type) throws Exception {
        for (Tree tree : Tree.values()) {
            String text = extensions(trees(type).certificate(tree, PkiLayout.CA));
            assertThat(text)
                    .contains("X509v3 Basic Constraints: critical", "CA:TRUE, pathlen:0")
                    .contains("X509v3 Key Usage: critical", "Certificate Sign, CRL Sign")
                    .contains("X509v3 Subject Key Identifier")
                    .doesNotContain("Extended Key Usage", "Digital Signature");
            assertThat(subject(trees(type).certificate(tree, PkiLayout.CA)))
                    .isEqualTo("subject=CN = " + tree.caCommonName());
        }
    }

    @ParameterizedTest
    @EnumSource(KeyType.class)
    void serverCertificatesNameEveryHost(KeyType type) throws Exception {
        for (Tree tree : Tree.values()) {
            Path certificate = trees(type).certificate(tree, PkiLayout.SERVER);
            assertThat(extensions(certificate))
                    .contains("X509v3 Basic Constraints: critical", "CA:FALSE")
                    .contains("X509v3 Key Usage: critical", "Digital Signature")
                    .contains("X509v3 Extended Key Usage", "TLS Web Server Authentication")
                    .doesNotContain("TLS Web Client Authentication")
                    .contains("DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, "
                            + "DNS:tunnel.example.com")
                    .contains("X509v3 Subject Key Identifier", "X509v3 Authority Key Identifier");
            assertThat(subject(certificate)).isEqualTo("subject=CN = localhost");
        }
    }

    @ParameterizedTest
    @EnumSource(KeyType.class)
    void clientCertificateIsForClientAuthOnly(KeyType type) throws Exception {
        Path certificate = trees(type).certificate(Tree.MASTER, PkiLayout.CLIENT);
        assertThat(extensions(certificate))
                .contains("X509v3 Basic Constraints: critical", "CA:FALSE")
                .contains("X509v3 Extended Key Usage", "TLS Web Client Authentication")
                .doesNotContain("TLS Web Server Authentication", "Subject Alternative Name");
        assertThat(subject(certificate)).isEqualTo("subject=CN = " + PkiLayout.CLIENT);
    }

    @ParameterizedTest
    @EnumSource(KeyType.class)
    void agentCertificateNamesTheAgentInCnAndSanUri(KeyType type) throws Exception {
        Path certificate = trees(type).certificate(Tree.AGENT, PkiLayout.AGENT);
        assertThat(extensions(certificate))
                .contains("X509v3 Basic Constraints: critical", "CA:FALSE")
                .contains("X509v3 Extended Key Usage", "TLS Web Client Authentication")
                .doesNotContain("TLS Web Server Authentication")
                .contains("X509v3 Subject Alternative Name", "URI:urn:tunnel:agent:agent-1");
        assertThat(subject(certificate)).isEqualTo("subject=CN = agent-1");
    }

    @ParameterizedTest
    @EnumSource(KeyType.class)
    void keysArePkcs8OfTheirTypeAndMatchTheirCertificates(KeyType type) throws Exception {
        PkiLayout layout = trees(type);
        for (Tree tree : Tree.values()) {
            String leaf = tree == Tree.MASTER ? PkiLayout.CLIENT : PkiLayout.AGENT;
            for (String name : List.of(PkiLayout.CA, PkiLayout.SERVER, leaf)) {
                Path key = layout.privateKey(tree, name);
                assertThat(firstPemObject(key)).as("an unencrypted PKCS#8 key").isInstanceOf(PrivateKeyInfo.class);
                Openssl.Result keyPublic = Openssl.run("pkey", "-in", key, "-pubout");
                Openssl.Result certificatePublic =
                        Openssl.run("x509", "-in", layout.certificate(tree, name), "-noout", "-pubkey");
                assertThat(keyPublic.exitCode()).as(keyPublic.output()).isZero();
                assertThat(keyPublic.output()).isEqualTo(certificatePublic.output());

                Openssl.Result text = Openssl.run("x509", "-in", layout.certificate(tree, name), "-noout", "-text");
                assertThat(text.output()).contains(type == KeyType.EC_P256
                        ? "NIST CURVE: P-256" : "Public-Key: (3072 bit)");
                assertThat(text.output()).contains(type == KeyType.EC_P256
                        ? "Signature Algorithm: ecdsa-with-SHA256" : "Signature Algorithm: sha256WithRSAEncryption");
                if (!PkiLayout.CA.equals(name)) {
                    String usage = type == KeyType.RSA_3072
                            ? "Digital Signature, Key Encipherment" : "Digital Signature\n";
                    assertThat(text.output()).contains(usage);
                }
            }
        }
    }

    private static String extensions(Path certificate) throws Exception {
        Openssl.Result result = Openssl.run("x509", "-in", certificate, "-noout", "-ext",
                "basicConstraints,keyUsage,extendedKeyUsage,subjectAltName,subjectKeyIdentifier,"
                        + "authorityKeyIdentifier");
        assertThat(result.exitCode()).as(result.output()).isZero();
        return result.output();
    }

    private static String subject(Path certificate) throws Exception {
        return Openssl.run("x509", "-in", certificate, "-noout", "-subject").output().strip();
    }

    /** The first object of a PEM file as BouncyCastle parses it: PKCS#8 keys come out as {@link PrivateKeyInfo}. */
    private static Object firstPemObject(Path file) throws IOException {
        try (PEMParser parser = new PEMParser(Files.newBufferedReader(file, StandardCharsets.US_ASCII))) {
            return parser.readObject();
        }
    }
}
