package io.tunnel.pki;

import java.io.PrintStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;

/**
 * Carries out {@code pki-tool show}: prints what matters of each certificate in a file, one field a line.
 */
public final class ShowOperation {

    private static final String[] KEY_USAGES = {"digitalSignature", "nonRepudiation", "keyEncipherment",
        "dataEncipherment", "keyAgreement", "keyCertSign", "cRLSign", "encipherOnly", "decipherOnly"};
    private static final Map<String, String> EXTENDED_KEY_USAGES = Map.of(
            "1.3.6.1.5.5.7.3.1", "serverAuth",
            "1.3.6.1.5.5.7.3.2", "clientAuth",
            "1.3.6.1.5.5.7.3.3", "codeSigning",
            "1.3.6.1.5.5.7.3.4", "emailProtection",
            "1.3.6.1.5.5.7.3.8", "timeStamping",
            "1.3.6.1.5.5.7.3.9", "OCSPSigning");
    private static final Map<String, String> CURVES = Map.of(
            X9ObjectIdentifiers.prime256v1.getId(), "P-256",
            "1.3.132.0.34", "P-384",
            "1.3.132.0.35", "P-521");
    private static final Map<Integer, String> SAN_TYPES = Map.of(
            1, "email", 2, "DNS", 4, "DirName", 6, "URI", 7, "IP", 8, "RID");
    private static final String FORMAT = "%-20s %s%n";

    /** Creates the operation. */
    public ShowOperation() {
    }

    /**
     * Prints the certificates of the file to {@code out}, separated by blank lines.
     *
     * @throws PkiException if the file cannot be read or holds no certificate
     */
    public void run(ShowRequest request, PrintStream out) throws PkiException {
        List<X509Certificate> certificates = Pem.readCertificates(request.file());
        for (int i = 0; i < certificates.size(); i++) {
            if (i > 0) {
                out.println();
            }
            print(certificates.get(i), out);
        }
    }

    private static void print(X509Certificate certificate, PrintStream out) throws PkiException {
        out.printf(FORMAT, "Subject:", certificate.getSubjectX500Principal().getName(X500Principal.RFC2253));
        out.printf(FORMAT, "Issuer:", certificate.getIssuerX500Principal().getName(X500Principal.RFC2253));
        out.printf(FORMAT, "Serial:", certificate.getSerialNumber().toString(16));
        out.printf(FORMAT, "Not before:", certificate.getNotBefore().toInstant());
        out.printf(FORMAT, "Not after:", certificate.getNotAfter().toInstant());
        out.printf(FORMAT, "Key type:", keyType(certificate.getPublicKey()));
        out.printf(FORMAT, "Signature:", certificate.getSigAlgName());
        out.printf(FORMAT, "CA:", ca(certificate.getBasicConstraints()));
        out.printf(FORMAT, "Key usage:", keyUsage(certificate));
        out.printf(FORMAT, "Extended key usage:", extendedKeyUsage(certificate));
        out.printf(FORMAT, "SANs:", subjectAltNames(certificate));
        out.printf(FORMAT, "SHA-256 fingerprint:", fingerprint(certificate));
    }

    /** "no", "yes" or "yes (path length N)", from {@link X509Certificate#getBasicConstraints()}. */
    private static String ca(int pathLength) {
        if (pathLength < 0) {
            return "no";
        }
        return pathLength == Integer.MAX_VALUE ? "yes" : "yes (path length " + pathLength + ")";
    }

    /** "EC P-256", "RSA 3072", or the algorithm name. */
    static String keyType(PublicKey key) {
        if (key instanceof RSAPublicKey rsa) {
            return "RSA " + rsa.getModulus().bitLength();
        }
        if (key instanceof ECPublicKey) {
            Object parameters = SubjectPublicKeyInfo.getInstance(key.getEncoded()).getAlgorithm().getParameters();
            if (parameters instanceof ASN1ObjectIdentifier curve) {
                return "EC " + CURVES.getOrDefault(curve.getId(), curve.getId());
            }
            return "EC";
        }
        return key.getAlgorithm();
    }

    private static String keyUsage(X509Certificate certificate) {
        boolean[] bits = certificate.getKeyUsage();
        if (bits == null) {
            return "(none)";
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < bits.length && i < KEY_USAGES.length; i++) {
            if (bits[i]) {
                names.add(KEY_USAGES[i]);
            }
        }
        return String.join(", ", names);
    }

    private static String extendedKeyUsage(X509Certificate certificate) throws PkiException {
        try {
            List<String> oids = certificate.getExtendedKeyUsage();
            if (oids == null) {
                return "(none)";
            }
            return String.join(", ", oids.stream().map(oid -> EXTENDED_KEY_USAGES.getOrDefault(oid, oid)).toList());
        } catch (CertificateParsingException e) {
            throw new PkiException("cannot parse the extended key usage: " + e.getMessage(), e);
        }
    }

    private static String subjectAltNames(X509Certificate certificate) throws PkiException {
        try {
            Collection<List<?>> names = certificate.getSubjectAlternativeNames();
            if (names == null) {
                return "(none)";
            }
            List<String> shown = new ArrayList<>();
            for (List<?> name : names) {
                String type = SAN_TYPES.getOrDefault((Integer) name.get(0), "type" + name.get(0));
                shown.add(type + ":" + name.get(1));
            }
            return String.join(", ", shown);
        } catch (CertificateParsingException e) {
            throw new PkiException("cannot parse the subject alternative names: " + e.getMessage(), e);
        }
    }

    private static String fingerprint(X509Certificate certificate) throws PkiException {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
            return HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new PkiException("cannot compute the fingerprint: " + e.getMessage(), e);
        }
    }
}
