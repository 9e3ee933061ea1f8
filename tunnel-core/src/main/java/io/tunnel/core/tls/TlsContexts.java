package io.tunnel.core.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProtocols;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Builds the tunnel's TLS contexts from PEM files. Built once at start-up (file reads are blocking);
 * each channel then gets a handler: {@code newHandler(alloc)} for a link, {@link #halfCloseHandler} for a socket
 * that carries a stream's half-close. The agent link is TLS 1.3 only; the frontend also accepts TLS 1.2 for older
 * proxy clients.
 */
public final class TlsContexts {
    private TlsContexts() {
    }

    /** Server side that requires a client certificate issued by {@code caCert}. */
    public static SslContext mutualServer(Path cert, Path key, Path caCert, TlsProvider provider,
                                          boolean tls13Only) throws SSLException {
        SslContextBuilder builder = SslContextBuilder.forServer(file(cert), file(key))
                .trustManager(new CachingClientTrustManager(pkixTrustManager(caCert)))
                .clientAuth(ClientAuth.REQUIRE)
                .sslProvider(provider.toNetty());
        builder.protocols(tls13Only ? new String[] {SslProtocols.TLS_v1_3}
                : new String[] {SslProtocols.TLS_v1_3, SslProtocols.TLS_v1_2});
        return builder.build();
    }

    /**
     * Client side that verifies the server against {@code caCert} and the host it dials (HTTPS rules: SAN DNS or
     * IP), presenting {@code cert} when given.
     */
    public static SslContext client(Path cert, Path key, Path caCert, TlsProvider provider, boolean tls13Only)
            throws SSLException {
        SslContextBuilder builder = SslContextBuilder.forClient()
                .trustManager(file(caCert))
                .endpointIdentificationAlgorithm("HTTPS")
                .sslProvider(provider.toNetty());
        if (cert != null) {
            builder.keyManager(file(cert), file(key));
        }
        builder.protocols(tls13Only ? new String[] {SslProtocols.TLS_v1_3}
                : new String[] {SslProtocols.TLS_v1_3, SslProtocols.TLS_v1_2});
        return builder.build();
    }

    /**
     * A handler for a connection that may half-close while the peer still sends: its engine runs in JDK
     * compatibility mode. In the mode {@link SslContext#newHandler} picks for OpenSSL, every unwrap after our
     * close_notify reports {@code CLOSED}, which hides {@code BUFFER_OVERFLOW}: decrypted bytes that did not fit stay
     * in the engine, and the last of what the peer sends after our half-close is lost.
     *
     * @param peerHost the host dialled (client side, checked against the certificate), or {@code null}
     */
    public static SslHandler halfCloseHandler(SslContext context, ByteBufAllocator alloc, String peerHost,
                                              int peerPort) {
        return new SslHandler(peerHost == null ? context.newEngine(alloc)
                : context.newEngine(alloc, peerHost, peerPort));
    }

    /** The JDK's PKIX trust manager for the CA certificates in the PEM file {@code caCert}. */
    static X509ExtendedTrustManager pkixTrustManager(Path caCert) throws SSLException {
        try (InputStream in = Files.newInputStream(file(caCert).toPath())) {
            KeyStore anchors = KeyStore.getInstance(KeyStore.getDefaultType());
            anchors.load(null, null);
            int i = 0;
            for (Certificate ca : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                anchors.setCertificateEntry("ca-" + i++, ca);
            }
            if (i == 0) {
                throw new SSLException("no certificate in " + caCert);
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(anchors);
            for (TrustManager manager : factory.getTrustManagers()) {
                if (manager instanceof X509ExtendedTrustManager x509) {
                    return x509;
                }
            }
            throw new SSLException("no X.509 trust manager for " + caCert);
        } catch (IOException | GeneralSecurityException e) {
            throw new SSLException("cannot read the CA certificates in " + caCert + ": " + e.getMessage(), e);
        }
    }

    private static File file(Path path) throws SSLException {
        if (!Files.isReadable(path)) {
            throw new SSLException("cannot read " + path);
        }
        return path.toFile();
    }
}
