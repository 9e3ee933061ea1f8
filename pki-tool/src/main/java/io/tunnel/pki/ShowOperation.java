package io.tunnel.pki;

import java.io.PrintStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.security.auth.x500.X500Principal;

/**
 * Carries out {@code pki-tool show}: prints what matters of each certificate in a file, one field a line, with the
 * days it has left.
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
    private static final Map<Integer, String> SAN_TYPES = Map.of(
            1, "email", 2, "DNS", 4, "DirName", 6, "URI", 7, "IP", 8, "RID");
    private static final String FORMAT = "%-20s %s%n";
    private static final long SECONDS_PER_DAY = Duration.ofDays(1).toSeconds();

    private final Clock clock;

    /** An operation that counts days left by the system clock. */
    public ShowOperation() {
        this(Clock.systemUTC());
    }

    /** An operation that counts days left by {@code clock}. */
    public ShowOperation(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
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
            print(certificates.get(i), clock.instant(), out);
        }
    }

    private static void print(X509Certificate certificate, Instant now, PrintStream out) throws PkiException {
        out.printf(FORMAT, "Subject:", certificate.getSubjectX500Principal().getName(X500Principal.RFC2253));
        out.printf(FORMAT, "Issuer:", certificate.getIssuerX500Principal().getName(X500Principal.RFC2253));
        out.printf(FORMAT, "Serial:", certificate.getSerialNumber().toString(16));
        out.printf(FORMAT, "Not before:", certificate.getNotBefore().toInstant());
        out.printf(FORMAT, "Not after:", certificate.getNotAfter().toInstant());
        out.printf(FORMAT, "Days left:", daysLeft(certificate, now));
        out.printf(FORMAT, "Key type:", KeyType.describe(certificate.getPublicKey()));
        out.printf(FORMAT, "Signature:", certificate.getSigAlgName());
        out.printf(FORMAT, "CA:", ca(certificate.getBasicConstraints()));
        out.printf(FORMAT, "Key usage:", keyUsage(certificate));
        out.printf(FORMAT, "Extended key usage:", extendedKeyUsage(certificate));
        out.printf(FORMAT, "SANs:", subjectAltNames(certificate));
        out.printf(FORMAT, "SHA-256 fingerprint:", fingerprint(certificate));
    }

    /**
     * The whole days from {@code now} until the certificate expires, rounded down: negative and "(expired)" once it
     * has, "(not yet valid)" before it starts.
     */
    static String daysLeft(X509Certificate certificate, Instant now) {
        Instant notAfter = certificate.getNotAfter().toInstant();
        long days = Math.floorDiv(Duration.between(now, notAfter).toSeconds(), SECONDS_PER_DAY);
        if (now.isAfter(notAfter)) {
            return days + " (expired)";
        }
        return now.isBefore(certificate.getNotBefore().toInstant()) ? days + " (not yet valid)" : Long.toString(days);
    }

    /** "no", "yes" or "yes (path length N)", from {@link X509Certificate#getBasicConstraints()}. */
    private static String ca(int pathLength) {
        if (pathLength < 0) {
            return "no";
        }
        return pathLength == Integer.MAX_VALUE ? "yes" : "yes (path length " + pathLength + ")";
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
