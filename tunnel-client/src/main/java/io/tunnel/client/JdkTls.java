package io.tunnel.client;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * The JDK's TLS for {@link TunnelClient#dialSocket}: an {@link SSLContext} built once from the same PEM files as the
 * Netty context (certificates through {@link CertificateFactory}, PKCS#8 keys through {@link KeyFactory}), and
 * sockets that check the proxy's certificate against the host name they dialled.
 */
final class JdkTls {
    private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};
    private static final String PKCS8_BEGIN = "-----BEGIN PRIVATE KEY-----";
    private static final String PKCS8_END = "-----END PRIVATE KEY-----";
    private static final char[] IN_MEMORY_PASSWORD = "in-memory".toCharArray();

    private final SSLContext context;

    private JdkTls(SSLContext context) {
        this.context = context;
    }

    static JdkTls load(TunnelClientConfig.TlsFiles files) throws IOException {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            int i = 0;
            for (Certificate ca : certificates(files.caCert())) {
                trust.setCertificateEntry("ca-" + i++, ca);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            KeyManagerFactory kmf = null;
            if (files.clientCert() != null) {
                KeyStore keys = KeyStore.getInstance("PKCS12");
                keys.load(null, null);
                keys.setKeyEntry("client", privateKey(files.clientKey()), IN_MEMORY_PASSWORD,
                        certificates(files.clientCert()).toArray(new Certificate[0]));
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(keys, IN_MEMORY_PASSWORD);
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return new JdkTls(context);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot load TLS material: " + e.getMessage(), e);
        }
    }

    /** Layers TLS over a connected socket and runs the handshake (bounded by the socket's read timeout). */
    SSLSocket handshake(Socket socket, String host, int port) throws IOException {
        SSLSocket ssl = (SSLSocket) context.getSocketFactory().createSocket(socket, host, port, true);
        SSLParameters parameters = ssl.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        parameters.setProtocols(PROTOCOLS);
        ssl.setSSLParameters(parameters);
        ssl.startHandshake();
        return ssl;
    }

    private static Collection<? extends Certificate> certificates(Path pem) throws IOException,
            GeneralSecurityException {
        try (InputStream in = Files.newInputStream(pem)) {
            Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
            if (certs.isEmpty()) {
                throw new GeneralSecurityException("no certificate in " + pem);
            }
            return certs;
        }
    }

    private static PrivateKey privateKey(Path pem) throws IOException, GeneralSecurityException {
        String text = Files.readString(pem, StandardCharsets.US_ASCII);
        int begin = text.indexOf(PKCS8_BEGIN);
        int end = begin < 0 ? -1 : text.indexOf(PKCS8_END, begin);
        if (end < 0) {
            throw new GeneralSecurityException(pem + " is not a PEM PKCS#8 private key (" + PKCS8_BEGIN + ")");
        }
        PKCS8EncodedKeySpec spec;
        try {
            spec = new PKCS8EncodedKeySpec(Base64.getMimeDecoder().decode(
                    text.substring(begin + PKCS8_BEGIN.length(), end)));
        } catch (IllegalArgumentException e) {
            throw new GeneralSecurityException(pem + " holds invalid base64", e);
        }
        for (String algorithm : new String[] {"EC", "RSA", "Ed25519"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (InvalidKeySpecException e) {
                // not this algorithm: try the next
            }
        }
        throw new GeneralSecurityException("unsupported key algorithm in " + pem);
    }
}
