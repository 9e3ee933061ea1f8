package io.tunnel.pki;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Carries out {@code pki-tool issue}: signs one more certificate with the CA of an existing tree, and writes its
 * certificate and key, both or neither.
 */
public final class IssueOperation {

    private static final byte[] KEY_PROBE = "pki-tool key check".getBytes(StandardCharsets.US_ASCII);

    private final CertificateProfiles profiles;

    /** An operation that draws keys and serials from {@code random}. */
    public IssueOperation(SecureRandom random) {
        this.profiles = new CertificateProfiles(Objects.requireNonNull(random, "random"));
    }

    /**
     * Issues the certificate.
     *
     * @return the files written
     * @throws PkiException if the tree has no usable CA, the certificate would outlive it, a file is in the way
     *     (without {@code force}) or cannot be written
     */
    public List<Path> run(IssueRequest request) throws PkiException {
        PkiLayout layout = new PkiLayout(request.dir());
        FileTransaction transaction = new FileTransaction(request.force());
        transaction.checkTargets(layout.files(request.tree(), request.name()));
        CertificateBundle ca = loadCa(layout, request.tree());

        Instant now = Instant.now();
        Instant caNotAfter = ca.certificate().getNotAfter().toInstant();
        if (!caNotAfter.isAfter(now)) {
            throw new PkiException("the " + request.tree().flagName() + " CA expired on " + caNotAfter);
        }
        Validity validity = Validity.ofDays(now, request.days());
        if (validity.notAfter().isAfter(caNotAfter)) {
            throw new PkiException("--days " + request.days() + " would outlive the " + request.tree().flagName()
                    + " CA, which expires on " + caNotAfter);
        }
        try {
            CertificateBundle leaf = profiles.leaf(ca, request.kind(), request.name(), request.hosts(),
                    request.keyType(), validity);
            layout.stage(transaction, request.tree(), request.name(), leaf);
        } catch (GeneralSecurityException e) {
            throw new PkiException("cannot make certificate: " + e.getMessage(), e);
        }
        return transaction.commit();
    }

    /** Reads the CA certificate and key of {@code tree}, checking that the certificate is a CA and the key its own. */
    static CertificateBundle loadCa(PkiLayout layout, Tree tree) throws PkiException {
        Path certificateFile = layout.certificate(tree, PkiLayout.CA);
        Path keyFile = layout.privateKey(tree, PkiLayout.CA);
        for (Path file : List.of(certificateFile, keyFile)) {
            if (!Files.isRegularFile(file)) {
                throw new PkiException("no " + tree.flagName() + " CA in " + layout.base() + ": " + file
                        + " is missing (run pki-tool init first)");
            }
        }
        X509Certificate certificate = Pem.readCertificates(certificateFile).get(0);
        if (certificate.getBasicConstraints() < 0) {
            throw new PkiException(certificateFile + " is not a CA certificate");
        }
        PrivateKey key = Pem.readPrivateKey(keyFile);
        if (!matches(certificate, key)) {
            throw new PkiException(keyFile + " is not the key of " + certificateFile);
        }
        return new CertificateBundle(certificate, key);
    }

    /** Whether {@code key} makes signatures that the certificate's public key verifies. */
    private static boolean matches(X509Certificate certificate, PrivateKey key) {
        try {
            String algorithm = KeyType.signatureAlgorithmFor(certificate.getPublicKey());
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(KEY_PROBE);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(KEY_PROBE);
            return verifier.verify(signature);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }
}
