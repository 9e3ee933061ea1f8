package io.tunnel.core.tls;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProtocols;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.net.ssl.SSLException;

/**
 * Builds the tunnel's TLS contexts from PEM files. Built once at start-up (file reads are blocking);
 * each channel then gets {@code newHandler(alloc)}. The agent link is TLS 1.3 only; the frontend also
 * accepts TLS 1.2 for older proxy clients.
 */
public final class TlsContexts {
    private TlsContexts() {
    }

    /** Server side that requires a client certificate issued by {@code caCert}. */
    public static SslContext mutualServer(Path cert, Path key, Path caCert, TlsProvider provider,
                                          boolean tls13Only) throws SSLException {
        SslContextBuilder builder = SslContextBuilder.forServer(file(cert), file(key))
                .trustManager(file(caCert))
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

    private static File file(Path path) throws SSLException {
        if (!Files.isReadable(path)) {
            throw new SSLException("cannot read " + path);
        }
        return path.toFile();
    }
}
