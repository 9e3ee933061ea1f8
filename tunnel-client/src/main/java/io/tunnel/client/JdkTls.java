package io.tunnel.client;

import java.io.IOException;
import java.net.Socket;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * The JDK's TLS for {@link TunnelClient#dialSocket}: an {@link SSLContext} built once (by {@link TunnelClient}, from
 * the same PEM files as the Netty context), and sockets that check the proxy's certificate against the host name they
 * dialled.
 */
final class JdkTls {
    private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private final SSLContext context;

    JdkTls(SSLContext context) {
        this.context = context;
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
