package io.tunnel.pki;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@code pki-tool export --kubernetes} writes: the Secrets of both trees under {@code dir}, as YAML.
 *
 * @param dir base directory of the trees
 * @param namespace namespace of the Secrets
 * @param out file to write; empty for standard output
 * @param force whether an existing {@code out} file is replaced
 */
public record ExportRequest(Path dir, String namespace, Optional<Path> out, boolean force) {

    /**
     * Validates every field.
     *
     * @throws InvalidRequestException naming the first problem
     */
    public ExportRequest {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(out, "out");
        KubernetesSecret.requireNamespace(namespace);
        if (force && out.isEmpty()) {
            throw new InvalidRequestException("--force applies only to --out FILE");
        }
    }
}
