package io.tunnel.pki;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;

/**
 * Reads the certificates and keys of a tree back, checking that they are there and belong together, so that every
 * command that works on an existing tree fails with the same clear words.
 */
final class TreeReader {

    private static final byte[] KEY_PROBE = "pki-tool key check".getBytes(StandardCharsets.US_ASCII);

    private TreeReader() {
    }

    /**
     * The CA certificate and key of {@code tree}, checking that the certificate is a CA and the key its own.
     *
     * @throws PkiException if either file is missing or unreadable, or they do not match
     */
    static CertificateBundle ca(PkiLayout layout, Tree tree) throws PkiException {
        X509Certificate certificate = caCertificate(layout, tree);
        Path keyFile = layout.privateKey(tree, PkiLayout.CA);
        requireCaFile(layout, tree, keyFile);
        return new CertificateBundle(certificate, key(layout.certificate(tree, PkiLayout.CA), certificate, keyFile));
    }

    /**
     * The CA certificate of {@code tree}, without its key.
     *
     * @throws PkiException if the file is missing or unreadable, or holds no CA certificate
     */
    static X509Certificate caCertificate(PkiLayout layout, Tree tree) throws PkiException {
        Path file = layout.certificate(tree, PkiLayout.CA);
        requireCaFile(layout, tree, file);
        X509Certificate certificate = Pem.readCertificates(file).get(0);
        if (certificate.getBasicConstraints() < 0) {
            throw new PkiException(file + " is not a CA certificate");
        }
        return certificate;
    }

    /**
     * The certificate {@code name} of {@code tree}: the first one in its file.
     *
     * @throws PkiException if the file is missing or unreadable
     */
    static X509Certificate certificate(PkiLayout layout, Tree tree, String name) throws PkiException {
        Path file = layout.certificate(tree, name);
        if (!Files.isRegularFile(file)) {
            throw new PkiException("no certificate '" + name + "' in the " + tree.flagName() + " tree: " + file
                    + " is missing");
        }
        return Pem.readCertificates(file).get(0);
    }

    /**
     * The private key in {@code keyFile}, checking that it is the key of {@code certificate}.
     *
     * @param certificateFile where the certificate came from, to name it in errors
     * @throws PkiException if the key file is missing or unreadable, or holds another key
     */
    static PrivateKey key(Path certificateFile, X509Certificate certificate, Path keyFile) throws PkiException {
        if (!Files.isRegularFile(keyFile)) {
            throw new PkiException("no key for " + certificateFile + ": " + keyFile + " is missing");
        }
        PrivateKey key = Pem.readPrivateKey(keyFile);
        if (!matches(certificate.getPublicKey(), key)) {
            throw new PkiException(keyFile + " is not the key of " + certificateFile);
        }
        return key;
    }

    /** Whether {@code certificate} carries a signature that {@code signer} verifies. */
    static boolean isSignedBy(X509Certificate certificate, PublicKey signer) {
        try {
            certificate.verify(signer);
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static void requireCaFile(PkiLayout layout, Tree tree, Path file) throws PkiException {
        if (!Files.isRegularFile(file)) {
            throw new PkiException("no " + tree.flagName() + " CA in " + layout.base() + ": " + file
                    + " is missing (run pki-tool init first)");
        }
    }

    /** Whether {@code key} makes signatures that {@code publicKey} verifies. */
    private static boolean matches(PublicKey publicKey, PrivateKey key) {
        try {
            String algorithm = KeyType.signatureAlgorithmFor(publicKey);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(KEY_PROBE);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(KEY_PROBE);
            return verifier.verify(signature);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }
}
