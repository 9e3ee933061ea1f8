package io.tunnel.pki;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Objects;

/**
 * A certificate with its private key, as made by {@link CertificateBuilder} or read back for a CA.
 *
 * @param certificate the certificate
 * @param privateKey the private key of the certificate's public key
 */
public record CertificateBundle(X509Certificate certificate, PrivateKey privateKey) {

    /** Checks that both parts are present. */
    public CertificateBundle {
        Objects.requireNonNull(certificate, "certificate");
        Objects.requireNonNull(privateKey, "privateKey");
    }
}
