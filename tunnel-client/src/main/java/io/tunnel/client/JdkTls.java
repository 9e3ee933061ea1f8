package io.tunnel.client;

import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContext;
import io.tunnel.core.tls.TlsContexts;
import io.tunnel.core.tls.TlsProvider;
import java.io.IOException;
import java.net.Socket;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * The JDK's TLS for {@link TunnelClient#dialSocket}: an {@link SSLContext} built once from the same PEM files as the
 * Netty context, and sockets that check the proxy's certificate against the host name they dialled.
 */
final class JdkTls {
    private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private final SSLContext context;

    JdkTls(SSLContext context) {
        this.context = context;
    }

    /** The JDK's SSLContext for these files, built by {@link TlsContexts#client} like the Channel variant's. */
    static JdkTls load(TunnelClientConfig.TlsFiles files) throws IOException {
        try {
            SslContext netty = TlsContexts.client(files.clientCert(), files.clientKey(), files.caCert(),
                    TlsProvider.JDK, false);
            return new JdkTls(((JdkSslContext) netty).context());
        } catch (IOException | IllegalArgumentException e) {
            throw new IOException("cannot use TLS files: " + e.getMessage(), e);
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
}
