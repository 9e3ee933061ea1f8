package io.tunnel.pki;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What {@code pki-tool renew} makes: the certificate {@code name} of a tree, or the tree's CA, again with a new
 * serial and validity, the same names and profile, and the same key unless {@code newKey}.
 *
 * @param dir base directory of the trees
 * @param tree the tree of the certificate
 * @param kind the kind the certificate must be; empty for the tree's CA
 * @param name file name of the certificate; {@value PkiLayout#CA} for the CA
 * @param days validity from now; empty for as long as the current certificate
 * @param newKey whether the certificate gets a new key of the same type
 */
public record RenewRequest(Path dir, Tree tree, Optional<CertificateKind> kind, String name, OptionalInt days,
                           boolean newKey) {

    /**
     * Validates every field and their combination.
     *
     * @throws InvalidRequestException naming the first problem
     */
    public RenewRequest {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(tree, "tree");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(days, "days");
        if (kind.isEmpty()) {
            if (name != null && !PkiLayout.CA.equals(name)) {
                throw new InvalidRequestException("--kind " + PkiLayout.CA + " takes no --name (a tree has one CA)");
            }
            name = PkiLayout.CA;
        } else {
            if (name == null) {
                throw new InvalidRequestException("--kind " + kind.get().flagName() + " needs --name");
            }
            PkiLayout.requireLeafName(Names.requireName("--name", name));
            if (!kind.get().belongsIn(tree)) {
                throw new InvalidRequestException("--kind " + kind.get().flagName() + " does not belong in --tree "
                        + tree.flagName());
            }
        }
        if (days.isPresent()) {
            Validity.requireDays("--days", days.getAsInt());
        }
    }

    /** Whether the tree's CA is renewed. */
    public boolean isCa() {
        return kind.isEmpty();
    }
}
