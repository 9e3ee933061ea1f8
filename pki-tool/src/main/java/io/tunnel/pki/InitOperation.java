package io.tunnel.pki;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Carries out {@code pki-tool init}: makes the CA, server and client (master) or agent (agent) certificates of
 * both trees in memory, then writes all of their files or none.
 */
public final class InitOperation {

    /** One leaf certificate of a tree: its file name, kind and name. */
    private record Leaf(String fileName, CertificateKind kind, String name) {
    }

    private final CertificateProfiles profiles;

    /** An operation that draws keys and serials from {@code random}. */
    public InitOperation(SecureRandom random) {
        this.profiles = new CertificateProfiles(Objects.requireNonNull(random, "random"));
    }

    /**
     * Makes both trees.
     *
     * @return the files written
     * @throws PkiException if a file is in the way (without {@code force}), a previous CA of a rotation is left, or
     *     a file cannot be written
     */
    public List<Path> run(InitRequest request) throws PkiException {
        PkiLayout layout = new PkiLayout(request.dir());
        FileTransaction transaction = new FileTransaction(request.force());
        transaction.checkTargets(targets(layout, request));
        for (Tree tree : Tree.values()) {
            Path previous = layout.certificate(tree, PkiLayout.PREVIOUS_CA);
            if (Files.exists(previous, LinkOption.NOFOLLOW_LINKS)) {
                throw new PkiException(previous + " is left from a CA rotation and would be trusted next to the new "
                        + "CA: delete it first");
            }
        }
        Instant now = Instant.now();
        Validity caValidity = Validity.ofDays(now, request.caDays());
        Validity leafValidity = Validity.ofDays(now, request.leafDays());
        try {
            for (Tree tree : Tree.values()) {
                CertificateBundle ca = profiles.certificateAuthority(tree, request.keyType(), caValidity);
                layout.stage(transaction, tree, PkiLayout.CA, ca);
                for (Leaf leaf : leaves(tree, request)) {
                    CertificateBundle bundle = profiles.leaf(ca, leaf.kind(), leaf.name(), request.serverHosts(),
                            request.keyType(), leafValidity);
                    layout.stage(transaction, tree, leaf.fileName(), bundle);
                }
            }
        } catch (GeneralSecurityException e) {
            throw new PkiException("cannot make certificates: " + e.getMessage(), e);
        }
        return transaction.commit();
    }

    private static List<Leaf> leaves(Tree tree, InitRequest request) {
        Leaf server = new Leaf(PkiLayout.SERVER, CertificateKind.SERVER, PkiLayout.SERVER);
        return switch (tree) {
            case MASTER -> List.of(server, new Leaf(PkiLayout.CLIENT, CertificateKind.CLIENT, request.clientName()));
            case AGENT -> List.of(server, new Leaf(PkiLayout.AGENT, CertificateKind.AGENT, request.agentId()));
        };
    }

    private static List<Path> targets(PkiLayout layout, InitRequest request) {
        List<Path> targets = new ArrayList<>();
        for (Tree tree : Tree.values()) {
            targets.addAll(layout.files(tree, PkiLayout.CA));
            for (Leaf leaf : leaves(tree, request)) {
                targets.addAll(layout.files(tree, leaf.fileName()));
            }
        }
        return targets;
    }
}
