package io.tunnel.pki;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;

/**
 * The tunnel's certificate profile: what a CA, a server, a client and an agent certificate contain.
 *
 * <ul>
 *   <li>CA: self-signed, CN = the tree's CA name, CA:true (path length 0), keyCertSign + cRLSign.</li>
 *   <li>Leaves: CA:false, digitalSignature (+ keyEncipherment for RSA keys), one extended key usage:
 *       <ul>
 *         <li>server: serverAuth; every host as DNS or IP SAN; CN = the first host;</li>
 *         <li>client: clientAuth; CN = the client name;</li>
 *         <li>agent: clientAuth; CN = the agent id and SAN URI {@value #AGENT_URI_PREFIX}{@code <id>}, which the
 *             server takes as the agent's identity.</li>
 *       </ul></li>
 * </ul>
 */
public final class CertificateProfiles {

    /** Prefix of the SAN URI that names an agent: {@code urn:tunnel:agent:<agent id>}. */
    public static final String AGENT_URI_PREFIX = "urn:tunnel:agent:";

    private final SecureRandom random;

    /** Creates profiles that draw keys and serials from {@code random}. */
    public CertificateProfiles(SecureRandom random) {
        this.random = Objects.requireNonNull(random, "random");
    }

    /** A new self-signed CA for {@code tree} with a new key. */
    public CertificateBundle certificateAuthority(Tree tree, KeyType keyType, Validity validity)
            throws GeneralSecurityException {
        return certificateAuthority(tree, keyType.generate(random), validity);
    }

    /**
     * A self-signed CA certificate for {@code tree} and {@code keys}. With the key pair of the tree's current CA
     * it is that CA renewed: the same subject and key identifier, so it verifies what the CA issued.
     */
    public CertificateBundle certificateAuthority(Tree tree, KeyPair keys, Validity validity)
            throws GeneralSecurityException {
        return new CertificateBuilder(random)
                .keyPair(keys)
                .subject(tree.caCommonName())
                .validity(validity)
                .certificateAuthority()
                .buildSelfSigned();
    }

    /**
     * A new leaf certificate of {@code kind} with a new key, signed by {@code ca}.
     *
     * @param name the client name or agent id; unused for servers, whose CN is their first host
     * @param hosts the server's hosts; empty for other kinds
     */
    public CertificateBundle leaf(CertificateBundle ca, CertificateKind kind, String name, List<String> hosts,
                                  KeyType keyType, Validity validity) throws GeneralSecurityException {
        return leaf(ca, kind, name, hosts, keyType.generate(random), validity);
    }

    /**
     * A leaf certificate of {@code kind} for {@code keys}, signed by {@code ca}.
     *
     * @param name the client name or agent id; unused for servers, whose CN is their first host
     * @param hosts the server's hosts; empty for other kinds
     */
    public CertificateBundle leaf(CertificateBundle ca, CertificateKind kind, String name, List<String> hosts,
                                  KeyPair keys, Validity validity) throws GeneralSecurityException {
        int keyUsage = KeyUsage.digitalSignature | (KeyType.isRsa(keys.getPublic()) ? KeyUsage.keyEncipherment : 0);
        CertificateBuilder builder = new CertificateBuilder(random)
                .keyPair(keys)
                .validity(validity)
                .keyUsage(keyUsage);
        switch (kind) {
            case SERVER -> {
                builder.subject(hosts.get(0)).extendedKeyUsage(KeyPurposeId.id_kp_serverAuth);
                hosts.forEach(builder::addSanHost);
            }
            case CLIENT -> builder.subject(name).extendedKeyUsage(KeyPurposeId.id_kp_clientAuth);
            case AGENT -> builder.subject(name)
                    .extendedKeyUsage(KeyPurposeId.id_kp_clientAuth)
                    .addSanUri(AGENT_URI_PREFIX + name);
            default -> throw new IllegalArgumentException("unknown kind " + kind);
        }
        return builder.buildIssuedBy(ca);
    }
}
