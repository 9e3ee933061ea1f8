package io.tunnel.core.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every mistake in TLS material is one line naming the file, at load time. */
class TlsMaterialTest {
    @TempDir
    static Path dir;
    static X509Bundle ca;
    static X509Bundle otherCa;
    static Path caFile;

    @BeforeAll
    static void makeCas() throws Exception {
        ca = new CertificateBuilder().subject("CN=test CA").setIsCertificateAuthority(true).ecp256().buildSelfSigned();
        otherCa = new CertificateBuilder().subject("CN=other CA").setIsCertificateAuthority(true).ecp256()
                .buildSelfSigned();
        caFile = write("ca.crt", ca.getCertificatePEM());
    }

    private static Path write(String name, String pem) throws IOException {
        return Files.writeString(dir.resolve(name), pem, StandardCharsets.US_ASCII);
    }

    private static CertificateBuilder leaf(String cn) {
        return new CertificateBuilder().subject("CN=" + cn).ecp256()
                .notBefore(Instant.now().minus(Duration.ofDays(1))).notAfter(Instant.now().plus(Duration.ofDays(30)));
    }

    private static Path[] files(String name, X509Bundle bundle) throws IOException {
        return new Path[] {write(name + ".crt", bundle.getCertificatePEM()),
            write(name + ".key", bundle.getPrivateKeyPEM())};
    }

    @Test
    void aServerCertificateOfTheCaLoads() throws Exception {
        Path[] f = files("server", leaf("server").addExtendedKeyUsageServerAuth().buildIssuedBy(ca));
        TlsMaterial material = TlsMaterial.load(TlsMaterial.Use.SERVER, f[0], f[1], caFile);
        assertThat(material.certificate().getSubjectX500Principal().getName()).isEqualTo("CN=server");
        assertThat(material.cas()).containsExactly(ca.getCertificate());
    }

    @Test
    void aKeyThatDoesNotMatchIsRefused() throws Exception {
        Path cert = files("a", leaf("a").addExtendedKeyUsageClientAuth().buildIssuedBy(ca))[0];
        Path otherKey = files("b", leaf("b").addExtendedKeyUsageClientAuth().buildIssuedBy(ca))[1];
        assertThatThrownBy(() -> TlsMaterial.load(TlsMaterial.Use.CLIENT, cert, otherKey, caFile))
                .isInstanceOf(TlsMaterialException.class)
                .hasMessage("the key in " + otherKey + " does not match the certificate in " + cert);
    }

    @Test
    void anExpiredOrNotYetValidCertificateIsRefused() throws Exception {
        Path[] expired = files("expired", leaf("old").addExtendedKeyUsageClientAuth()
                .notBefore(Instant.now().minus(Duration.ofDays(30))).notAfter(Instant.now().minus(Duration.ofDays(1)))
                .buildIssuedBy(ca));
        assertThatThrownBy(() -> TlsMaterial.load(TlsMaterial.Use.CLIENT, expired[0], expired[1], caFile))
                .hasMessageStartingWith("the certificate in " + expired[0] + " expired on ");
        Path[] future = files("future", leaf("new").addExtendedKeyUsageClientAuth()
                .notBefore(Instant.now().plus(Duration.ofDays(1))).notAfter(Instant.now().plus(Duration.ofDays(30)))
                .buildIssuedBy(ca));
        assertThatThrownBy(() -> TlsMaterial.load(TlsMaterial.Use.CLIENT, future[0], future[1], caFile))
                .hasMessageStartingWith("the certificate in " + future[0] + " is not valid before ");
    }

    @Test
    void aCertificateOfAnotherCaIsRefused() throws Exception {
        Path[] f = files("stranger", leaf("stranger").addExtendedKeyUsageClientAuth().buildIssuedBy(otherCa));
        assertThatThrownBy(() -> TlsMaterial.load(TlsMaterial.Use.CLIENT, f[0], f[1], caFile))
                .hasMessage("the certificate in " + f[0] + " is not issued by the CA in " + caFile);
    }

    @Test
    void theUseMustBeInTheExtendedKeyUsage() throws Exception {
        Path[] client = files("client-only", leaf("client").addExtendedKeyUsageClientAuth().buildIssuedBy(ca));
        assertThatThrownBy(() -> TlsMaterial.load(TlsMaterial.Use.SERVER, client[0], client[1], caFile))
                .hasMessage("the certificate in " + client[0] + " lacks the serverAuth extended key usage");
        Path[] none = files("no-eku", leaf("plain").buildIssuedBy(ca));
        assertThatThrownBy(() -> TlsMaterial.load(TlsMaterial.Use.CLIENT, none[0], none[1], caFile))
                .hasMessage("the certificate in " + none[0] + " lacks the clientAuth extended key usage");
    }

    @Test
    void aBundleWithAnOldAndANewCaAcceptsCertificatesOfEither() throws Exception {
        Path bundle = write("bundle.crt", otherCa.getCertificatePEM() + ca.getCertificatePEM());
        Path[] f = files("either", leaf("either").addExtendedKeyUsageServerAuth().buildIssuedBy(otherCa));
        assertThat(TlsMaterial.load(TlsMaterial.Use.SERVER, f[0], f[1], bundle).cas()).hasSize(2);
    }

    @Test
    void unreadableAndGarbageFilesAreNamed() throws Exception {
        Path[] f = files("ok", leaf("ok").addExtendedKeyUsageServerAuth().buildIssuedBy(ca));
        Path missing = dir.resolve("missing.crt");
        assertThatThrownBy(() -> TlsMaterial.load(TlsMaterial.Use.SERVER, missing, f[1], caFile))
                .hasMessageStartingWith("cannot read certificate file " + missing);
        Path garbage = write("garbage.key", "not a key\n");
        assertThatThrownBy(() -> TlsMaterial.load(TlsMaterial.Use.SERVER, f[0], garbage, caFile))
                .hasMessage("no PKCS#8 private key (PEM label " + TlsMaterial.PKCS8_LABEL + ") in " + garbage);
        Path empty = write("empty.crt", "");
        assertThatThrownBy(() -> TlsMaterial.load(TlsMaterial.Use.SERVER, f[0], f[1], empty))
                .hasMessage("no CA certificate in " + empty);
    }

    @Test
    void anExpiredCaAloneIsRefused() throws Exception {
        X509Bundle oldCa = new CertificateBuilder().subject("CN=old CA").setIsCertificateAuthority(true).ecp256()
                .notBefore(Instant.now().minus(Duration.ofDays(60))).notAfter(Instant.now().minus(Duration.ofDays(1)))
                .buildSelfSigned();
        Path oldCaFile = write("old-ca.crt", oldCa.getCertificatePEM());
        assertThatThrownBy(() -> TlsMaterial.loadCas(oldCaFile))
                .hasMessageStartingWith("the CA certificate in " + oldCaFile + " expired on ");
    }
}
