package io.tunnel.client;

/** No connection to the proxy: it refused or did not accept the TCP connection, or the TLS handshake failed. */
public final class ProxyUnreachableException extends TunnelException {
    private static final long serialVersionUID = 1L;

    private final String proxy;

    public ProxyUnreachableException(String message, String proxy, String target, Throwable cause) {
        super(message, target, NO_STATUS, cause);
        this.proxy = proxy;
    }

    /** The proxy that could not be reached, {@code host:port}. */
    public String proxy() {
        return proxy;
    }
}
