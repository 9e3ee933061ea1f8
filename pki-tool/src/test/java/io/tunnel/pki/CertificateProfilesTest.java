package io.tunnel.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The certificate profile, read back with the JDK's X.509 API. */
class CertificateProfilesTest {

    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final int DIGITAL_SIGNATURE = 0;
    private static final int KEY_ENCIPHERMENT = 2;
    private static final int KEY_CERT_SIGN = 5;
    private static final int CRL_SIGN = 6;

    private final CertificateProfiles profiles = new CertificateProfiles(new SecureRandom());
    private final Instant now = Instant.now();

    @ParameterizedTest
    @EnumSource(KeyType.class)
    void caIsSelfSignedForSigningLeavesOnly(KeyType type) throws Exception {
        X509Certificate ca = profiles.certificateAuthority(Tree.AGENT, type, Validity.ofDays(now, 3650))
                .certificate();

        ca.verify(ca.getPublicKey());
        assertThat(ca.getSubjectX500Principal().getName()).isEqualTo("CN=tunnel agent CA");
        assertThat(ca.getIssuerX500Principal()).isEqualTo(ca.getSubjectX500Principal());
        assertThat(ca.getBasicConstraints()).isZero();
        assertThat(ca.getKeyUsage()).containsExactly(false, false, false, false, false, true, true, false, false);
        assertThat(ca.getKeyUsage()[KEY_CERT_SIGN] && ca.getKeyUsage()[CRL_SIGN]).isTrue();
        assertThat(ca.getCriticalExtensionOIDs())
                .containsExactlyInAnyOrder(Extension.basicConstraints.getId(), Extension.keyUsage.getId());
        assertThat(ca.getExtensionValue(Extension.subjectKeyIdentifier.getId())).isNotNull();
        assertThat(ca.getExtendedKeyUsage()).isNull();
        assertThat(ca.getSigAlgName()).isEqualTo(type == KeyType.EC_P256 ? "SHA256withECDSA" : "SHA256withRSA");
        assertValidity(ca, 3650);
    }

    @ParameterizedTest
    @EnumSource(KeyType.class)
    void leavesCarryTheirOneUsageAndPointAtTheirCa(KeyType type) throws Exception {
        CertificateBundle ca = profiles.certificateAuthority(Tree.AGENT, type, Validity.ofDays(now, 3650));
        Validity validity = Validity.ofDays(now, 365);

        X509Certificate server = profiles.leaf(ca, CertificateKind.SERVER, "ignored",
                List.of("tunnel.example.com", "10.0.0.7", "2001:db8::7"), type, validity).certificate();
        X509Certificate agent = profiles.leaf(ca, CertificateKind.AGENT, "edge-7", List.of(), type, validity)
                .certificate();
        X509Certificate client = profiles.leaf(ca, CertificateKind.CLIENT, "alice", List.of(), type, validity)
                .certificate();

        for (X509Certificate leaf : List.of(server, agent, client)) {
            leaf.verify(ca.certificate().getPublicKey());
            assertThat(leaf.getIssuerX500Principal()).isEqualTo(ca.certificate().getSubjectX500Principal());
            assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
            assertThat(leaf.getCriticalExtensionOIDs())
                    .containsExactlyInAnyOrder(Extension.basicConstraints.getId(), Extension.keyUsage.getId());
            assertThat(leaf.getKeyUsage()[DIGITAL_SIGNATURE]).isTrue();
            assertThat(leaf.getKeyUsage()[KEY_ENCIPHERMENT]).isEqualTo(type == KeyType.RSA_3072);
            assertThat(authorityKeyId(leaf)).isEqualTo(subjectKeyId(ca.certificate()));
            assertThat(leaf.getSerialNumber().signum()).isPositive();
            assertThat(leaf.getSerialNumber().bitLength()).isLessThanOrEqualTo(CertificateBuilder.SERIAL_BITS);
            assertValidity(leaf, 365);
        }
        assertThat(server.getExtendedKeyUsage()).containsExactly(SERVER_AUTH);
        assertThat(server.getSubjectX500Principal().getName()).isEqualTo("CN=tunnel.example.com");
        assertThat(server.getSubjectAlternativeNames()).containsExactly(
                List.of(2, "tunnel.example.com"), List.of(7, "10.0.0.7"), List.of(7, "2001:db8:0:0:0:0:0:7"));
        assertThat(agent.getExtendedKeyUsage()).containsExactly(CLIENT_AUTH);
        assertThat(agent.getSubjectX500Principal().getName()).isEqualTo("CN=edge-7");
        assertThat(agent.getSubjectAlternativeNames()).containsExactly(List.of(6, "urn:tunnel:agent:edge-7"));
        assertThat(client.getExtendedKeyUsage()).containsExactly(CLIENT_AUTH);
        assertThat(client.getSubjectX500Principal().getName()).isEqualTo("CN=alice");
        assertThat(client.getSubjectAlternativeNames()).isNull();
    }

    @Test
    void serialsAreRandom() throws Exception {
        CertificateBundle ca = profiles.certificateAuthority(Tree.MASTER, KeyType.EC_P256, Validity.ofDays(now, 1));
        Set<Object> serials = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            serials.add(profiles.leaf(ca, CertificateKind.CLIENT, "c" + i, List.of(), KeyType.EC_P256,
                    Validity.ofDays(now, 1)).certificate().getSerialNumber());
        }
        assertThat(serials).hasSize(20);
    }

    @Test
    void showNamesKeyTypes() throws Exception {
        CertificateBundle ec = profiles.certificateAuthority(Tree.MASTER, KeyType.EC_P256, Validity.ofDays(now, 1));
        CertificateBundle rsa = profiles.certificateAuthority(Tree.MASTER, KeyType.RSA_3072,
                Validity.ofDays(now, 1));
        assertThat(KeyType.describe(ec.certificate().getPublicKey())).isEqualTo("EC P-256");
        assertThat(KeyType.describe(rsa.certificate().getPublicKey())).isEqualTo("RSA 3072");
    }

    /** Valid from an hour ago (clock skew) for {@code days} days from now, to the second. */
    private void assertValidity(X509Certificate certificate, int days) {
        Instant notBefore = certificate.getNotBefore().toInstant();
        Instant notAfter = certificate.getNotAfter().toInstant();
        assertThat(notBefore).isCloseTo(now.minus(Validity.BACKDATE), within(2, ChronoUnit.SECONDS));
        assertThat(notAfter).isCloseTo(now.plus(Duration.ofDays(days)), within(2, ChronoUnit.SECONDS));
    }

    private static byte[] subjectKeyId(X509Certificate certificate) {
        byte[] value = certificate.getExtensionValue(Extension.subjectKeyIdentifier.getId());
        return SubjectKeyIdentifier.getInstance(ASN1OctetString.getInstance(value).getOctets()).getKeyIdentifier();
    }

    private static byte[] authorityKeyId(X509Certificate certificate) {
        byte[] value = certificate.getExtensionValue(Extension.authorityKeyIdentifier.getId());
        return AuthorityKeyIdentifier.getInstance(ASN1OctetString.getInstance(value).getOctets())
                .getKeyIdentifierOctets();
    }
}
