package io.tunnel.client;

/** No connection to the proxy: it refused or did not accept the TCP connection, or the TLS handshake failed. */
public final class ProxyUnreachableException extends TunnelException {
    private static final long serialVersionUID = 1L;

    /** The proxy, {@code host:port}. */
    private final String proxy;

    /**
     * @param message what happened, for people: names the proxy and why it could not be reached
     * @param proxy   the proxy, {@code host:port}
     * @param target  the target of the CONNECT that was not sent, {@code host:port}
     * @param cause   the failure of the name look-up, the TCP connect or the TLS handshake
     */
    public ProxyUnreachableException(String message, String proxy, String target, Throwable cause) {
        super(message, target, NO_STATUS, cause);
        this.proxy = proxy;
    }

    /**
     * The proxy that could not be reached.
     *
     * @return the proxy, {@code host:port}
     */
    public String proxy() {
        return proxy;
    }
}
