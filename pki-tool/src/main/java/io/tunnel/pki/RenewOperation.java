package io.tunnel.pki;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * Carries out {@code pki-tool renew}: makes a certificate of a tree again, or the tree's CA, with a new serial and
 * validity from now, and writes it (and its key, if new) in place of the current one, all or nothing.
 *
 * <p>The new certificate has the subject, SANs, key usages and kind of the current one; its key is the current key
 * unless a new one is asked for, then a new key of the same type. A CA renewed with its key has the same subject
 * and key identifier, so the certificates it issued verify against it as before. A CA with a new key is a new CA:
 * the current CA certificate is kept as {@value PkiLayout#PREVIOUS_CA}{@code .crt}, so that peers can trust both
 * until every certificate is renewed under the new one.
 */
public final class RenewOperation {

    private final SecureRandom random;
    private final CertificateProfiles profiles;

    /** An operation that draws keys and serials from {@code random}. */
    public RenewOperation(SecureRandom random) {
        this.random = Objects.requireNonNull(random, "random");
        this.profiles = new CertificateProfiles(random);
    }

    /**
     * Renews the certificate.
     *
     * @return the files written
     * @throws PkiException if the certificate, its key or the tree's CA is missing or does not fit, the CA has
     *     expired (for a leaf), a file cannot be written, or a CA with a new key would replace a previous CA still
     *     kept
     */
    public List<Path> run(RenewRequest request) throws PkiException {
        PkiLayout layout = new PkiLayout(request.dir());
        FileTransaction transaction = new FileTransaction(true);
        Instant now = Instant.now();
        try {
            if (request.isCa()) {
                renewCa(layout, request, now, transaction);
            } else {
                renewLeaf(layout, request, now, transaction);
            }
        } catch (GeneralSecurityException e) {
            throw new PkiException("cannot make certificate: " + e.getMessage(), e);
        }
        return transaction.commit();
    }

    private void renewLeaf(PkiLayout layout, RenewRequest request, Instant now, FileTransaction transaction)
            throws PkiException, GeneralSecurityException {
        Tree tree = request.tree();
        String name = request.name();
        Path file = layout.certificate(tree, name);
        X509Certificate current = TreeReader.certificate(layout, tree, name);
        CertificateBundle ca = TreeReader.ca(layout, tree);
        if (!current.getIssuerX500Principal().equals(ca.certificate().getSubjectX500Principal())) {
            throw new PkiException(file + " was not issued by the " + tree.flagName() + " CA (its issuer is "
                    + current.getIssuerX500Principal().getName() + ")");
        }
        LeafIdentity identity = LeafIdentity.of(current, file);
        CertificateKind kind = request.kind().orElseThrow();
        if (identity.kind() != kind) {
            throw new PkiException(file + " is " + article(identity.kind()) + " certificate, not "
                    + article(kind) + " one (--kind " + kind.flagName() + ")");
        }
        Validity validity;
        if (request.days().isPresent()) {
            validity = IssueOperation.leafValidity(tree, ca.certificate(), now, request.days().getAsInt());
        } else {
            Instant caNotAfter = IssueOperation.requireUnexpired(tree, ca.certificate(), now);
            validity = Validity.ofDaysUntil(now, daysOf(current), caNotAfter);
        }
        KeyPair keys = keys(request, current, file, layout.privateKey(tree, name));
        CertificateBundle renewed = profiles.leaf(ca, kind, identity.name(), identity.hosts(), keys, validity);
        requireSameProfile(file, current, renewed.certificate());
        stage(layout, request, renewed, transaction);
    }

    private void renewCa(PkiLayout layout, RenewRequest request, Instant now, FileTransaction transaction)
            throws PkiException, GeneralSecurityException {
        Tree tree = request.tree();
        Path file = layout.certificate(tree, PkiLayout.CA);
        CertificateBundle ca = TreeReader.ca(layout, tree);
        Path previous = layout.certificate(tree, PkiLayout.PREVIOUS_CA);
        if (request.newKey() && Files.exists(previous)) {
            throw new PkiException(previous + " still holds the CA that the last new key replaced: renew every "
                    + "certificate it issued, delete it, then replace the CA again");
        }
        Validity validity = Validity.ofDays(now, request.days().orElse(daysOf(ca.certificate())));
        KeyPair keys = request.newKey() ? newKeyLike(ca.certificate())
                : new KeyPair(ca.certificate().getPublicKey(), ca.privateKey());
        CertificateBundle renewed = profiles.certificateAuthority(tree, keys, validity);
        requireSameProfile(file, ca.certificate(), renewed.certificate());
        stage(layout, request, renewed, transaction);
        if (request.newKey()) {
            layout.stageCertificate(transaction, tree, PkiLayout.PREVIOUS_CA, ca.certificate());
        }
    }

    /** The current key pair of {@code current}, read from {@code keyFile}, or a new one of its type. */
    private KeyPair keys(RenewRequest request, X509Certificate current, Path file, Path keyFile)
            throws PkiException, GeneralSecurityException {
        if (request.newKey()) {
            return newKeyLike(current);
        }
        PrivateKey key = TreeReader.key(file, current, keyFile);
        return new KeyPair(current.getPublicKey(), key);
    }

    private KeyPair newKeyLike(X509Certificate current) throws PkiException, GeneralSecurityException {
        return KeyType.of(current.getPublicKey()).generate(random);
    }

    /** The certificate, and its key only if it is new: a kept key file stays untouched. */
    private static void stage(PkiLayout layout, RenewRequest request, CertificateBundle renewed,
                              FileTransaction transaction) throws GeneralSecurityException {
        if (request.newKey()) {
            layout.stage(transaction, request.tree(), request.name(), renewed);
        } else {
            layout.stageCertificate(transaction, request.tree(), request.name(), renewed.certificate());
        }
    }

    private static int daysOf(X509Certificate certificate) {
        return Validity.daysOf(certificate.getNotBefore().toInstant(), certificate.getNotAfter().toInstant());
    }

    /**
     * Checks that {@code renewed} names and allows what {@code current} did; a certificate that pki-tool's profile
     * cannot make again fails here rather than being renewed as something else.
     */
    private static void requireSameProfile(Path file, X509Certificate current, X509Certificate renewed)
            throws PkiException {
        String changed;
        try {
            changed = firstDifference(current, renewed);
        } catch (CertificateParsingException e) {
            throw new PkiException("cannot parse " + file + ": " + e.getMessage(), e);
        }
        if (changed != null) {
            throw new PkiException("cannot renew " + file + " as it is: pki-tool would change its " + changed
                    + " (issue a new certificate instead)");
        }
    }

    /** The first of the names and usages that differ between the two certificates, or null. */
    private static String firstDifference(X509Certificate a, X509Certificate b) throws CertificateParsingException {
        if (!a.getSubjectX500Principal().equals(b.getSubjectX500Principal())) {
            return "subject";
        }
        if (!altNames(a).equals(altNames(b))) {
            return "subject alternative names";
        }
        if (!Objects.equals(a.getExtendedKeyUsage(), b.getExtendedKeyUsage())) {
            return "extended key usage";
        }
        if (!Arrays.equals(a.getKeyUsage(), b.getKeyUsage())) {
            return "key usage";
        }
        if (a.getBasicConstraints() != b.getBasicConstraints()) {
            return "basic constraints";
        }
        return null;
    }

    private static List<List<?>> altNames(X509Certificate certificate) throws CertificateParsingException {
        Collection<List<?>> names = certificate.getSubjectAlternativeNames();
        return names == null ? List.of() : new ArrayList<>(names);
    }

    private static String article(CertificateKind kind) {
        return (kind == CertificateKind.AGENT ? "an " : "a ") + kind.flagName();
    }
}
