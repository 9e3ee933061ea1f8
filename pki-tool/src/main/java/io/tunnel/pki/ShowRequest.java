package io.tunnel.pki;

import java.nio.file.Path;
import java.util.Objects;

/**
 * What {@code pki-tool show} prints: the certificates in one PEM (or DER) file.
 *
 * @param file the certificate file
 */
public record ShowRequest(Path file) {

    /** Checks that a file is given. */
    public ShowRequest {
        Objects.requireNonNull(file, "file");
    }
}
