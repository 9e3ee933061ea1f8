package io.tunnel.pki;

import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Carries out {@code pki-tool issue}: signs one more certificate with the CA of an existing tree, and writes its
 * certificate and key, both or neither.
 */
public final class IssueOperation {

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
        CertificateBundle ca = TreeReader.ca(layout, request.tree());

        Validity validity = leafValidity(request.tree(), ca.certificate(), Instant.now(), request.days());
        try {
            CertificateBundle leaf = profiles.leaf(ca, request.kind(), request.name(), request.hosts(),
                    request.keyType(), validity);
            layout.stage(transaction, request.tree(), request.name(), leaf);
        } catch (GeneralSecurityException e) {
            throw new PkiException("cannot make certificate: " + e.getMessage(), e);
        }
        return transaction.commit();
    }

    /**
     * The validity of a leaf certificate that {@code ca} signs: {@code days} from {@code now}.
     *
     * @throws PkiException if the CA has expired or would expire before the leaf
     */
    static Validity leafValidity(Tree tree, X509Certificate ca, Instant now, int days) throws PkiException {
        Instant caNotAfter = requireUnexpired(tree, ca, now);
        Validity validity = Validity.ofDays(now, days);
        if (validity.notAfter().isAfter(caNotAfter)) {
            throw new PkiException("--days " + days + " would outlive the " + tree.flagName()
                    + " CA, which expires on " + caNotAfter);
        }
        return validity;
    }

    /**
     * The end of {@code ca}'s validity.
     *
     * @throws PkiException if that is not after {@code now}
     */
    static Instant requireUnexpired(Tree tree, X509Certificate ca, Instant now) throws PkiException {
        Instant caNotAfter = ca.getNotAfter().toInstant();
        if (!caNotAfter.isAfter(now)) {
            throw new PkiException("the " + tree.flagName() + " CA expired on " + caNotAfter);
        }
        return caNotAfter;
    }
}
