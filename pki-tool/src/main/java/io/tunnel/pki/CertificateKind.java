package io.tunnel.pki;

import java.util.Arrays;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The kinds of leaf certificate, each with the one extended key usage it carries.
 */
public enum CertificateKind {
    /** A TLS server certificate (EKU serverAuth) naming its hosts as DNS or IP SANs; in either tree. */
    SERVER("server", null),
    /** A proxy client's certificate (EKU clientAuth), CN = its name; in the master tree only. */
    CLIENT("client", Tree.MASTER),
    /**
     * An agent's certificate (EKU clientAuth), CN = the agent id, and the agent id as SAN URI
     * {@value CertificateProfiles#AGENT_URI_PREFIX}{@code <id>}; in the agent tree only.
     */
    AGENT("agent", Tree.AGENT);

    private final String flagName;
    private final Tree onlyTree;

    CertificateKind(String flagName, Tree onlyTree) {
        this.flagName = flagName;
        this.onlyTree = onlyTree;
    }

    /** The name used on the command line ({@code --kind}). */
    public String flagName() {
        return flagName;
    }

    /** Whether a certificate of this kind belongs in {@code tree}. */
    public boolean belongsIn(Tree tree) {
        return onlyTree == null || onlyTree == tree;
    }

    /**
     * The kind named {@code name} on the command line.
     *
     * @param others names the command also takes besides the kinds, to list them in the error
     * @throws InvalidRequestException if no kind has that name
     */
    public static CertificateKind fromFlag(String name, String... others) {
        for (CertificateKind kind : values()) {
            if (kind.flagName.equals(name)) {
                return kind;
            }
        }
        throw new InvalidRequestException("unknown --kind '" + name + "' (expected "
                + Stream.concat(Arrays.stream(values()).map(CertificateKind::flagName), Arrays.stream(others))
                        .collect(Collectors.joining(", ")) + ")");
    }
}
