package io.tunnel.bench;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import javax.net.ssl.X509TrustManager;

/**
 * Trusts exactly one server certificate (a PEM file's), compared by its DER bytes: a byte comparison instead of PKIX
 * path validation in Java, so the load generator's own handshakes stay cheap and the CPU goes to the proxy.
 */
final class PinnedTrustManager implements X509TrustManager {
    private final byte[] expected;

    PinnedTrustManager(byte[] pem) throws IOException {
        try {
            expected = CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(pem))
                    .getEncoded();
        } catch (CertificateException e) {
            throw new IOException(e);
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        if (chain == null || chain.length == 0 || !Arrays.equals(chain[0].getEncoded(), expected)) {
            throw new CertificateException("not the pinned proxy certificate");
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("client side only");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
