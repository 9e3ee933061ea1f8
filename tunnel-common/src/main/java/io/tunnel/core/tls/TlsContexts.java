package io.tunnel.core.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProtocols;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
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

    /**
     * Server side that requires a client certificate issued by {@code caCert}; the files are checked first
     * ({@link TlsMaterial}).
     *
     * @throws TlsMaterialException if the files are not usable, in one line
     */
    public static SslContext mutualServer(Path cert, Path key, Path caCert, TlsProvider provider,
                                          boolean tls13Only) throws SSLException {
        return mutualServer(TlsMaterial.load(TlsMaterial.Use.SERVER, cert, key, caCert), provider, tls13Only);
    }

    /** Server side from checked material: presents its certificate, requires one issued by its CAs. */
    public static SslContext mutualServer(TlsMaterial material, TlsProvider provider, boolean tls13Only)
            throws SSLException {
        return server(material, provider, tls13Only, ClientAuth.REQUIRE);
    }

    /**
     * Server side that asks for a client certificate as {@code clientAuth} says: {@code REQUIRE} as {@link
     * #mutualServer}, {@code OPTIONAL} checks one if the client presents it, {@code NONE} never asks. A certificate
     * presented must chain to {@code caCert}; the files are checked first ({@link TlsMaterial}). With {@link
     * SslProvider#OPENSSL_REFCNT} ({@link TlsProvider#toNettyReferenceCounted()}) the caller releases the context once
     * no new connection needs it.
     *
     * @throws TlsMaterialException if the files are not usable, in one line
     */
    public static SslContext server(Path cert, Path key, Path caCert, SslProvider provider, boolean tls13Only,
                                    ClientAuth clientAuth) throws SSLException {
        return server(TlsMaterial.load(TlsMaterial.Use.SERVER, cert, key, caCert), provider, tls13Only, clientAuth);
    }

    /** Server side from checked material, asking for client certificates as {@code clientAuth} says. */
    public static SslContext server(TlsMaterial material, TlsProvider provider, boolean tls13Only,
                                    ClientAuth clientAuth) throws SSLException {
        return server(material, provider.toNetty(), tls13Only, clientAuth);
    }

    /** Server side from checked material on the Netty provider given (see the overload with files). */
    public static SslContext server(TlsMaterial material, SslProvider provider, boolean tls13Only,
                                    ClientAuth clientAuth) throws SSLException {
        SslContextBuilder builder = SslContextBuilder.forServer(material.key(), material.chain())
                .trustManager(new CachingClientTrustManager(pkixTrustManager(material.cas())))
                .clientAuth(clientAuth)
                .sslProvider(provider);
        return protocols(builder, tls13Only).build();
    }

    /**
     * Client side that verifies the server against {@code caCert} and the host it dials (HTTPS rules: SAN DNS or
     * IP), presenting {@code cert} when given; the files are checked first ({@link TlsMaterial}).
     *
     * @throws TlsMaterialException if the files are not usable, in one line
     */
    public static SslContext client(Path cert, Path key, Path caCert, TlsProvider provider, boolean tls13Only)
            throws SSLException {
        if (cert == null) {
            return client(TlsMaterial.loadCas(caCert), null, provider, tls13Only);
        }
        TlsMaterial material = TlsMaterial.load(TlsMaterial.Use.CLIENT, cert, key, caCert);
        return client(material.cas(), material, provider, tls13Only);
    }

    /** Client side from checked material; {@code own} is the certificate to present, or {@code null}. */
    public static SslContext client(List<X509Certificate> cas, TlsMaterial own, TlsProvider provider,
                                    boolean tls13Only) throws SSLException {
        SslContextBuilder builder = SslContextBuilder.forClient()
                .trustManager(cas)
                .endpointIdentificationAlgorithm("HTTPS")
                .sslProvider(provider.toNetty());
        if (own != null) {
            builder.keyManager(own.key(), own.chain());
        }
        return protocols(builder, tls13Only).build();
    }

    private static SslContextBuilder protocols(SslContextBuilder builder, boolean tls13Only) {
        return builder.protocols(tls13Only ? new String[] {SslProtocols.TLS_v1_3}
                : new String[] {SslProtocols.TLS_v1_3, SslProtocols.TLS_v1_2});
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

    /** The JDK's PKIX trust manager for {@code cas}. */
    static X509ExtendedTrustManager pkixTrustManager(List<X509Certificate> cas) throws SSLException {
        try {
            KeyStore anchors = KeyStore.getInstance(KeyStore.getDefaultType());
            anchors.load(null, null);
            int i = 0;
            for (X509Certificate ca : cas) {
                anchors.setCertificateEntry("ca-" + i++, ca);
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(anchors);
            for (TrustManager manager : factory.getTrustManagers()) {
                if (manager instanceof X509ExtendedTrustManager x509) {
                    return x509;
                }
            }
            throw new SSLException("no X.509 trust manager");
        } catch (IOException | GeneralSecurityException e) {
            throw new SSLException("cannot build a trust manager: " + e.getMessage(), e);
        }
    }
}
