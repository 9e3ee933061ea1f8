package io.tunnel.pki;

import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Where the files of the two trees live under a base directory, and with which permissions:
 *
 * <pre>
 * DIR/                          0700
 *   master/                     0700   frontend: proxy clients to the server
 *     issued/                   0755   ca.crt, proxy-master.crt, proxy-client.crt, NAME.crt   (0644)
 *     private/                  0700   ca.key, proxy-master.key, proxy-client.key, NAME.key   (0600)
 *   agent/                      0700   agent link: agents to the server
 *     issued/                   0755   ca.crt, proxy-master.crt, proxy-agent.crt, NAME.crt    (0644)
 *     private/                  0700   ca.key, proxy-master.key, proxy-agent.key, NAME.key    (0600)
 * </pre>
 *
 * <p>Certificates are PEM {@code CERTIFICATE} blocks, keys unencrypted PKCS#8 PEM {@code PRIVATE KEY} blocks.
 * While a CA is replaced by one with a new key, {@code issued/ca-previous.crt} keeps the replaced CA certificate,
 * so that peers can trust both until every certificate is renewed; whoever finishes the rotation deletes it.
 */
public final class PkiLayout {

    /** Name of each tree's CA certificate and key. */
    public static final String CA = "ca";
    /** Name of the CA certificate that a CA with a new key replaced, while certificates it issued are in use. */
    public static final String PREVIOUS_CA = "ca-previous";
    /** Name of each tree's server certificate and key made by {@code init}. */
    public static final String SERVER = "proxy-master";
    /** Name of the master tree's client certificate and key made by {@code init}. */
    public static final String CLIENT = "proxy-client";
    /** Name of the agent tree's agent certificate and key made by {@code init}. */
    public static final String AGENT = "proxy-agent";
    /** Directory of certificates within a tree. */
    public static final String ISSUED_DIR = "issued";
    /** Directory of private keys within a tree. */
    public static final String PRIVATE_DIR = "private";
    /** Suffix of certificate files. */
    public static final String CERTIFICATE_SUFFIX = ".crt";
    /** Suffix of private key files. */
    public static final String KEY_SUFFIX = ".key";

    /** Permissions of the base, tree and private directories. */
    public static final Set<PosixFilePermission> PRIVATE_DIR_PERMISSIONS = PosixFilePermissions.fromString("rwx------");
    /** Permissions of the issued directories. */
    public static final Set<PosixFilePermission> ISSUED_DIR_PERMISSIONS = PosixFilePermissions.fromString("rwxr-xr-x");
    /** Permissions of private key files. */
    public static final Set<PosixFilePermission> KEY_PERMISSIONS = PosixFilePermissions.fromString("rw-------");
    /** Permissions of certificate files. */
    public static final Set<PosixFilePermission> CERTIFICATE_PERMISSIONS = PosixFilePermissions.fromString("rw-r--r--");

    private final Path base;

    /** The layout under {@code base}. */
    public PkiLayout(Path base) {
        this.base = Objects.requireNonNull(base, "base");
    }

    /** The base directory. */
    public Path base() {
        return base;
    }

    /** The directory of {@code tree}. */
    public Path treeDir(Tree tree) {
        return base.resolve(tree.flagName());
    }

    /** The directory of the certificates of {@code tree}. */
    public Path issuedDir(Tree tree) {
        return treeDir(tree).resolve(ISSUED_DIR);
    }

    /** The directory of the private keys of {@code tree}. */
    public Path privateDir(Tree tree) {
        return treeDir(tree).resolve(PRIVATE_DIR);
    }

    /** The certificate file {@code name} of {@code tree}. */
    public Path certificate(Tree tree, String name) {
        return issuedDir(tree).resolve(name + CERTIFICATE_SUFFIX);
    }

    /** The private key file {@code name} of {@code tree}. */
    public Path privateKey(Tree tree, String name) {
        return privateDir(tree).resolve(name + KEY_SUFFIX);
    }

    /** The certificate and the key file {@code name} of {@code tree}. */
    public List<Path> files(Tree tree, String name) {
        return List.of(certificate(tree, name), privateKey(tree, name));
    }

    /**
     * Returns {@code name} (given by {@code --name}) unless it is reserved for a CA file.
     *
     * @throws InvalidRequestException if it is
     */
    static String requireLeafName(String name) {
        if (CA.equals(name)) {
            throw new InvalidRequestException("--name '" + CA + "' is reserved for the tree's CA");
        }
        if (PREVIOUS_CA.equals(name)) {
            throw new InvalidRequestException("--name '" + PREVIOUS_CA + "' is reserved for the tree's previous CA");
        }
        return name;
    }

    /** Adds the directories of {@code tree} and the certificate and key {@code name} to a transaction. */
    void stage(FileTransaction transaction, Tree tree, String name, CertificateBundle bundle)
            throws CertificateException {
        stageCertificate(transaction, tree, name, bundle.certificate())
                .file(privateKey(tree, name), Pem.encode(bundle.privateKey()), KEY_PERMISSIONS);
    }

    /** Adds the directories of {@code tree} and the certificate {@code name}, without a key, to a transaction. */
    FileTransaction stageCertificate(FileTransaction transaction, Tree tree, String name, X509Certificate certificate)
            throws CertificateException {
        return transaction.directory(base, PRIVATE_DIR_PERMISSIONS)
                .directory(treeDir(tree), PRIVATE_DIR_PERMISSIONS)
                .directory(issuedDir(tree), ISSUED_DIR_PERMISSIONS)
                .directory(privateDir(tree), PRIVATE_DIR_PERMISSIONS)
                .file(certificate(tree, name), Pem.encode(certificate), CERTIFICATE_PERMISSIONS);
    }
}
