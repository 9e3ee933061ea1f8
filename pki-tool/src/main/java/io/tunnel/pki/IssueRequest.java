package io.tunnel.pki;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What {@code pki-tool issue} makes: one more certificate and key, {@code name}, in an existing tree.
 *
 * @param dir base directory of the trees
 * @param tree the tree whose CA signs the certificate
 * @param kind what the certificate is for
 * @param name file name of the certificate and key; the CN of client certificates; the agent id of agent ones
 * @param hosts DNS names and IP addresses of a server certificate; empty for other kinds
 * @param keyType key type of the new key
 * @param days validity of the certificate
 * @param force whether existing files are replaced
 */
public record IssueRequest(Path dir, Tree tree, CertificateKind kind, String name, List<String> hosts,
                           KeyType keyType, int days, boolean force) {

    /**
     * Validates every field and their combination.
     *
     * @throws InvalidRequestException naming the first problem
     */
    public IssueRequest {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(tree, "tree");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(keyType, "keyType");
        Names.requireName("--name", name);
        PkiLayout.requireLeafName(name);
        if (!kind.belongsIn(tree)) {
            throw new InvalidRequestException("--kind " + kind.flagName() + " does not belong in --tree "
                    + tree.flagName());
        }
        if (kind == CertificateKind.SERVER) {
            if (hosts == null || hosts.isEmpty()) {
                throw new InvalidRequestException("--kind server needs --hosts");
            }
            hosts = Names.requireHosts("--hosts", hosts);
        } else if (hosts != null && !hosts.isEmpty()) {
            throw new InvalidRequestException("--hosts applies only to --kind server");
        } else {
            hosts = List.of();
        }
        Validity.requireDays("--days", days);
    }
}
