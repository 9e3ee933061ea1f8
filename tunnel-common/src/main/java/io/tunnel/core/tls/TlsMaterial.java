package io.tunnel.core.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CertificateParsingException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A certificate chain, its private key and the CA certificates peers must chain to, read from PEM files and checked
 * before any TLS context is built from them, so a mistake is one clear line at start (or at a reload) rather than a
 * failed handshake later: the key must match the certificate, the certificate must be valid now, be issued by the
 * given CA and allow the use it is for (extended key usage), and the CA bundle must hold a CA valid now.
 *
 * <p>Reading files blocks: load material on a main or background thread, never on an event loop.
 *
 * @param chain the certificate first, then any intermediates from its file
 * @param key   its private key (PKCS#8)
 * @param cas   the CA certificates peers' certificates must chain to
 */
public record TlsMaterial(List<X509Certificate> chain, PrivateKey key, List<X509Certificate> cas) {
    /** OID of the serverAuth extended key usage. */
    public static final String EKU_SERVER_AUTH = "1.3.6.1.5.5.7.3.1";

    /** The PEM label of a PKCS#8 key (the text between BEGIN and the dashes). */
    static final String PKCS8_LABEL = "PRIVATE " + "KEY";
    private static final Pattern PEM_KEY = Pattern.compile(
            "-----BEGIN " + PKCS8_LABEL + "-----([A-Za-z0-9+/=\\s]+)-----END " + PKCS8_LABEL + "-----");

    /** What the certificate is presented for; decides the extended key usage it needs. */
    public enum Use {
        /** A TLS server's certificate: needs serverAuth. */
        SERVER(EKU_SERVER_AUTH, "serverAuth"),
        /** A TLS client's certificate: needs clientAuth. */
        CLIENT(PeerIdentity.EKU_CLIENT_AUTH, "clientAuth");

        private final String oid;
        private final String name;

        Use(String oid, String name) {
            this.oid = oid;
            this.name = name;
        }
    }

    /** Copies the lists; {@link #load} is where the material is checked. */
    public TlsMaterial {
        chain = List.copyOf(chain);
        cas = List.copyOf(cas);
    }

    /** The certificate this side presents. */
    public X509Certificate certificate() {
        return chain.get(0);
    }

    /**
     * Reads and checks the files.
     *
     * @param use    what the certificate is for
     * @param cert   the certificate (and intermediates), PEM
     * @param key    its private key, PEM PKCS#8
     * @param caCert the CA certificates, PEM
     * @throws TlsMaterialException with one line saying which file is wrong and how
     */
    public static TlsMaterial load(Use use, Path cert, Path key, Path caCert) throws TlsMaterialException {
        List<X509Certificate> chain = readCertificates(cert, "certificate");
        PrivateKey privateKey = readKey(key);
        List<X509Certificate> cas = readCertificates(caCert, "CA certificate");
        TlsMaterial material = new TlsMaterial(chain, privateKey, cas);
        material.check(use, cert, key, caCert, Instant.now());
        return material;
    }

    /** Reads and checks a CA bundle alone (a side that presents no certificate). */
    public static List<X509Certificate> loadCas(Path caCert) throws TlsMaterialException {
        List<X509Certificate> cas = readCertificates(caCert, "CA certificate");
        checkCas(cas, caCert, Instant.now());
        return cas;
    }

    /** The checks of {@link #load}, at {@code now}; the paths only name the files in messages. */
    void check(Use use, Path cert, Path key, Path caCert, Instant now) throws TlsMaterialException {
        X509Certificate leaf = certificate();
        if (!keyMatches(leaf.getPublicKey(), this.key)) {
            throw new TlsMaterialException("the key in " + key + " does not match the certificate in " + cert);
        }
        checkValidity(leaf, "certificate in " + cert, now);
        checkUse(leaf, use, cert);
        checkCas(cas, caCert, now);
        checkIssuedBy(cert, caCert, now);
    }

    /** Whether {@code key} makes signatures that {@code publicKey} verifies: the key belongs to the certificate. */
    public static boolean keyMatches(PublicKey publicKey, PrivateKey key) {
        try {
            String algorithm = signatureAlgorithm(key);
            byte[] probe = new byte[32];
            new SecureRandom().nextBytes(probe);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            // A key of another algorithm than the certificate's fails here too: it does not match.
            return false;
        }
    }

    private static String signatureAlgorithm(PrivateKey key) throws GeneralSecurityException {
        return switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            case "Ed448" -> "Ed448";
            default -> throw new GeneralSecurityException("unsupported key algorithm " + key.getAlgorithm());
        };
    }

    private static void checkValidity(X509Certificate cert, String what, Instant now) throws TlsMaterialException {
        try {
            cert.checkValidity(Date.from(now));
        } catch (CertificateExpiredException e) {
            throw new TlsMaterialException("the " + what + " expired on " + cert.getNotAfter().toInstant());
        } catch (CertificateNotYetValidException e) {
            throw new TlsMaterialException("the " + what + " is not valid before "
                    + cert.getNotBefore().toInstant());
        }
    }

    private static void checkUse(X509Certificate leaf, Use use, Path cert) throws TlsMaterialException {
        List<String> eku;
        try {
            eku = leaf.getExtendedKeyUsage();
        } catch (CertificateParsingException e) {
            throw new TlsMaterialException("cannot read the extended key usage of the certificate in " + cert);
        }
        if (eku == null || !eku.contains(use.oid)) {
            throw new TlsMaterialException("the certificate in " + cert + " lacks the " + use.name
                    + " extended key usage");
        }
    }

    private static void checkCas(List<X509Certificate> cas, Path caCert, Instant now) throws TlsMaterialException {
        TlsMaterialException last = null;
        for (X509Certificate ca : cas) {
            try {
                checkValidity(ca, "CA certificate in " + caCert, now);
                return; // one valid CA is enough: a bundle may hold an old one during a rotation
            } catch (TlsMaterialException e) {
                last = e;
            }
        }
        throw last;
    }

    private void checkIssuedBy(Path cert, Path caCert, Instant now) throws TlsMaterialException {
        try {
            Set<TrustAnchor> anchors = new HashSet<>();
            for (X509Certificate ca : cas) {
                anchors.add(new TrustAnchor(ca, null));
            }
            PKIXParameters params = new PKIXParameters(anchors);
            params.setRevocationEnabled(false);
            params.setDate(Date.from(now));
            List<X509Certificate> path = new ArrayList<>(chain);
            path.removeIf(cas::contains); // a chain file that ends with the CA itself
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            CertPathValidator.getInstance("PKIX").validate(factory.generateCertPath(path), params);
        } catch (GeneralSecurityException e) {
            throw new TlsMaterialException("the certificate in " + cert + " is not issued by the CA in " + caCert);
        }
    }

    private static List<X509Certificate> readCertificates(Path file, String what) throws TlsMaterialException {
        List<X509Certificate> certs = new ArrayList<>();
        try (InputStream in = Files.newInputStream(file)) {
            for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                certs.add((X509Certificate) c);
            }
        } catch (IOException e) {
            throw new TlsMaterialException("cannot read " + what + " file " + file + ": " + e.getMessage());
        } catch (CertificateException e) {
            throw new TlsMaterialException("cannot parse the " + what + " in " + file + " (PEM expected)");
        }
        if (certs.isEmpty()) {
            throw new TlsMaterialException("no " + what + " in " + file);
        }
        return certs;
    }

    private static PrivateKey readKey(Path file) throws TlsMaterialException {
        String pem;
        try {
            pem = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new TlsMaterialException("cannot read key file " + file + ": " + e.getMessage());
        }
        Matcher m = PEM_KEY.matcher(pem);
        if (!m.find()) {
            throw new TlsMaterialException("no PKCS#8 private key (PEM label " + PKCS8_LABEL + ") in " + file);
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(m.group(1));
        } catch (IllegalArgumentException e) {
            throw new TlsMaterialException("the private key in " + file + " is not valid base64");
        }
        for (String algorithm : List.of("RSA", "EC", "Ed25519", "Ed448")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // try the next algorithm
            }
        }
        throw new TlsMaterialException("cannot parse the private key in " + file);
    }
}
