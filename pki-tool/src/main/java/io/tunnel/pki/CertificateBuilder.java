package io.tunnel.pki;

import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A fluent builder of X.509 v3 certificates over BouncyCastle: it generates the key pair (or takes a given one), sets
 * the subject (a common name), validity, basic constraints, key usage, extended key usage, subject alternative names
 * and key identifiers, and signs the certificate itself or with an issuer.
 *
 * <pre>{@code
 * CertificateBundle ca = new CertificateBuilder(random)
 *         .subject("tunnel master CA").validity(Validity.ofDays(now, 3650))
 *         .certificateAuthority()
 *         .buildSelfSigned();
 * CertificateBundle server = new CertificateBuilder(random)
 *         .subject("localhost").validity(Validity.ofDays(now, 365))
 *         .keyUsage(KeyUsage.digitalSignature).extendedKeyUsage(KeyPurposeId.id_kp_serverAuth)
 *         .addSanHost("localhost").addSanHost("127.0.0.1")
 *         .buildIssuedBy(ca);
 * }</pre>
 *
 * <p>Every certificate gets a random positive 128-bit serial, critical basic constraints, a critical key usage
 * and a subject key identifier; issued ones also an authority key identifier. A builder makes one certificate.
 */
public final class CertificateBuilder {

    /** Bits of the random serial number. */
    static final int SERIAL_BITS = 128;

    private final SecureRandom random;
    private KeyType keyType = KeyType.EC_P256;
    private KeyPair keyPair;
    private String commonName;
    private Validity validity;
    private boolean certificateAuthority;
    private int keyUsage;
    private final List<KeyPurposeId> extendedKeyUsages = new ArrayList<>();
    private final List<GeneralName> subjectAltNames = new ArrayList<>();

    /** Creates a builder that draws keys and serials from {@code random}. */
    public CertificateBuilder(SecureRandom random) {
        this.random = Objects.requireNonNull(random, "random");
    }

    /** The type of the key pair to generate; {@link KeyType#EC_P256} unless set. */
    public CertificateBuilder keyType(KeyType type) {
        keyType = Objects.requireNonNull(type, "type");
        return this;
    }

    /** Certifies this key pair instead of generating one, e.g. to renew a certificate with the key it has. */
    public CertificateBuilder keyPair(KeyPair keys) {
        keyPair = Objects.requireNonNull(keys, "keys");
        return this;
    }

    /** The subject: a distinguished name with this one common name (CN). Required. */
    public CertificateBuilder subject(String cn) {
        commonName = Objects.requireNonNull(cn, "cn");
        return this;
    }

    /** The validity window. Required. */
    public CertificateBuilder validity(Validity window) {
        validity = Objects.requireNonNull(window, "window");
        return this;
    }

    /**
     * Makes a CA that signs leaf certificates only: basic constraints CA:true with path length 0, key usage
     * keyCertSign and cRLSign.
     */
    public CertificateBuilder certificateAuthority() {
        certificateAuthority = true;
        keyUsage = KeyUsage.keyCertSign | KeyUsage.cRLSign;
        return this;
    }

    /** The key usage bits, e.g. {@code KeyUsage.digitalSignature | KeyUsage.keyEncipherment}. */
    public CertificateBuilder keyUsage(int bits) {
        keyUsage = bits;
        return this;
    }

    /** Adds an extended key usage, e.g. {@link KeyPurposeId#id_kp_serverAuth}. */
    public CertificateBuilder extendedKeyUsage(KeyPurposeId purpose) {
        extendedKeyUsages.add(Objects.requireNonNull(purpose, "purpose"));
        return this;
    }

    /** Adds a subject alternative name for a host: an IP SAN for an IPv4 or IPv6 literal, else a DNS SAN. */
    public CertificateBuilder addSanHost(String host) {
        int type = Names.isIpLiteral(host) ? GeneralName.iPAddress : GeneralName.dNSName;
        subjectAltNames.add(new GeneralName(type, host));
        return this;
    }

    /** Adds a URI subject alternative name. */
    public CertificateBuilder addSanUri(String uri) {
        subjectAltNames.add(new GeneralName(GeneralName.uniformResourceIdentifier, uri));
        return this;
    }

    /** A certificate signed with its own key, for the {@linkplain #keyPair given} or a new key pair. */
    public CertificateBundle buildSelfSigned() throws GeneralSecurityException {
        KeyPair keys = keys();
        X500Name subject = subjectName();
        return build(subject, null, keys, keys.getPrivate(), keys.getPublic());
    }

    /** A certificate signed by {@code issuer}, for the {@linkplain #keyPair given} or a new key pair. */
    public CertificateBundle buildIssuedBy(CertificateBundle issuer) throws GeneralSecurityException {
        X509Certificate issuerCertificate = issuer.certificate();
        KeyPair keys = keys();
        X500Name issuerName = X500Name.getInstance(issuerCertificate.getSubjectX500Principal().getEncoded());
        return build(issuerName, authorityKeyIdentifier(issuerCertificate), keys, issuer.privateKey(),
                issuerCertificate.getPublicKey());
    }

    private CertificateBundle build(X500Name issuer, AuthorityKeyIdentifier authorityKeyId, KeyPair keys,
                                    PrivateKey signingKey, PublicKey signerPublicKey)
            throws GeneralSecurityException {
        Objects.requireNonNull(validity, "validity not set");
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer, newSerial(),
                    Date.from(validity.notBefore()), Date.from(validity.notAfter()), subjectName(),
                    keys.getPublic());
            builder.addExtension(Extension.basicConstraints, true,
                    certificateAuthority ? new BasicConstraints(0) : new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(keyUsage));
            if (!extendedKeyUsages.isEmpty()) {
                builder.addExtension(Extension.extendedKeyUsage, false,
                        new ExtendedKeyUsage(extendedKeyUsages.toArray(KeyPurposeId[]::new)));
            }
            if (!subjectAltNames.isEmpty()) {
                builder.addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(subjectAltNames.toArray(GeneralName[]::new)));
            }
            builder.addExtension(Extension.subjectKeyIdentifier, false,
                    extensions.createSubjectKeyIdentifier(keys.getPublic()));
            if (authorityKeyId != null) {
                builder.addExtension(Extension.authorityKeyIdentifier, false, authorityKeyId);
            }
            JcaContentSignerBuilder signer =
                    new JcaContentSignerBuilder(KeyType.signatureAlgorithmFor(signerPublicKey));
            X509Certificate certificate =
                    new JcaX509CertificateConverter().getCertificate(builder.build(signer.build(signingKey)));
            return new CertificateBundle(certificate, keys.getPrivate());
        } catch (OperatorCreationException | IOException e) {
            throw new GeneralSecurityException("cannot build certificate for CN=" + commonName, e);
        }
    }

    private KeyPair keys() throws GeneralSecurityException {
        return keyPair != null ? keyPair : keyType.generate(random);
    }

    private X500Name subjectName() {
        Objects.requireNonNull(commonName, "subject not set");
        return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
    }

    private BigInteger newSerial() {
        BigInteger serial;
        do {
            serial = new BigInteger(SERIAL_BITS, random);
        } while (serial.signum() == 0);
        return serial;
    }

    /** The issuer's own subject key identifier as key id, or one computed from its public key if it has none. */
    private static AuthorityKeyIdentifier authorityKeyIdentifier(X509Certificate issuer)
            throws GeneralSecurityException {
        byte[] extension = issuer.getExtensionValue(Extension.subjectKeyIdentifier.getId());
        if (extension != null) {
            byte[] keyId = SubjectKeyIdentifier.getInstance(ASN1OctetString.getInstance(extension).getOctets())
                    .getKeyIdentifier();
            return new AuthorityKeyIdentifier(keyId);
        }
        return new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(issuer.getPublicKey());
    }
}
