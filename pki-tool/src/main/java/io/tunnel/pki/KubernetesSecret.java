package io.tunnel.pki;

import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A Kubernetes Secret as {@code pki-tool export --kubernetes} writes it: {@code v1 Secret} with a name, namespace
 * and labels, a type, and its data base64-encoded. Serialised as YAML in this field order by {@link ExportOperation}.
 *
 * <ul>
 *   <li>a leaf certificate {@code NAME} of tree {@code TREE}: {@code tunnel-TREE-NAME}, type
 *       {@value #TLS_TYPE}, keys {@value #TLS_CERTIFICATE} and {@value #TLS_KEY};</li>
 *   <li>the CA of tree {@code TREE}: {@code tunnel-TREE-ca}, type {@value #OPAQUE_TYPE}, key
 *       {@value #CA_CERTIFICATE} (the CA certificate, and the previous one during a CA rotation); never its key.</li>
 * </ul>
 *
 * @param apiVersion always {@value #API_VERSION}
 * @param kind always {@value #KIND}
 * @param metadata name, namespace and labels
 * @param type {@value #TLS_TYPE} or {@value #OPAQUE_TYPE}
 * @param data file name to base64 content, in order
 */
record KubernetesSecret(String apiVersion, String kind, Metadata metadata, String type, Map<String, String> data) {

    static final String API_VERSION = "v1";
    static final String KIND = "Secret";
    /** Type of a Secret holding a certificate and its key. */
    static final String TLS_TYPE = "kubernetes.io/tls";
    /** Type of a Secret holding the CA certificate. */
    static final String OPAQUE_TYPE = "Opaque";
    /** Key of the certificate in a {@value #TLS_TYPE} Secret. */
    static final String TLS_CERTIFICATE = "tls.crt";
    /** Key of the private key in a {@value #TLS_TYPE} Secret. */
    static final String TLS_KEY = "tls.key";
    /** Key of the CA certificate in a CA Secret. */
    static final String CA_CERTIFICATE = "ca.crt";
    /** First part of every Secret name: {@code tunnel-<tree>-<name>}. */
    static final String NAME_PREFIX = "tunnel-";
    /** The labels of every Secret. */
    static final Map<String, String> LABELS = orderedMap(
            "app.kubernetes.io/name", "tunnel",
            "app.kubernetes.io/managed-by", PkiMain.PROGRAM);

    /** The longest namespace: an RFC 1123 label. */
    static final int MAX_NAMESPACE_LENGTH = 63;
    /** The longest Secret name: an RFC 1123 subdomain. */
    static final int MAX_NAME_LENGTH = 253;
    private static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern SUBDOMAIN = Pattern.compile(LABEL + "(\\." + LABEL + ")*");

    /**
     * The name, namespace and labels of a Secret.
     *
     * @param name the Secret's name
     * @param namespace its namespace
     * @param labels its labels, in order
     */
    record Metadata(String name, String namespace, Map<String, String> labels) {

        /** Checks that every part is present. */
        Metadata {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(namespace, "namespace");
            Objects.requireNonNull(labels, "labels");
        }
    }

    /** Checks that every part is present. */
    KubernetesSecret {
        Objects.requireNonNull(apiVersion, "apiVersion");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(metadata, "metadata");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(data, "data");
    }

    /** A {@value #TLS_TYPE} Secret with a PEM certificate and its PEM key. */
    static KubernetesSecret tls(String name, String namespace, byte[] certificate, byte[] key) {
        return new KubernetesSecret(API_VERSION, KIND, new Metadata(name, namespace, LABELS), TLS_TYPE,
                orderedMap(TLS_CERTIFICATE, base64(certificate), TLS_KEY, base64(key)));
    }

    /** An {@value #OPAQUE_TYPE} Secret with PEM CA certificates. */
    static KubernetesSecret ca(String name, String namespace, byte[] certificates) {
        return new KubernetesSecret(API_VERSION, KIND, new Metadata(name, namespace, LABELS), OPAQUE_TYPE,
                orderedMap(CA_CERTIFICATE, base64(certificates)));
    }

    /**
     * The name of the Secret of certificate {@code name} of {@code tree}: {@code tunnel-<tree>-<name>}.
     *
     * @throws PkiException if that is not a valid Secret name (upper case letters or underscores in the name)
     */
    static String nameFor(Tree tree, String name) throws PkiException {
        String secretName = NAME_PREFIX + tree.flagName() + "-" + name;
        if (secretName.length() > MAX_NAME_LENGTH || !SUBDOMAIN.matcher(secretName).matches()) {
            throw new PkiException("cannot name a Secret for " + tree.flagName() + "/" + name + ": '" + secretName
                    + "' is not a lowercase RFC 1123 name (a-z 0-9 - .)");
        }
        return secretName;
    }

    /**
     * Returns {@code namespace} if it is a valid Kubernetes namespace: an RFC 1123 label.
     *
     * @throws InvalidRequestException otherwise
     */
    static String requireNamespace(String namespace) {
        if (namespace == null || namespace.length() > MAX_NAMESPACE_LENGTH || !LABEL.matcher(namespace).matches()) {
            throw new InvalidRequestException("invalid --namespace '" + namespace + "': expected 1 to "
                    + MAX_NAMESPACE_LENGTH + " characters of a-z 0-9 -, starting and ending with a letter or digit");
        }
        return namespace;
    }

    private static String base64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    private static Map<String, String> orderedMap(String... keysAndValues) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return Collections.unmodifiableMap(map);
    }
}
