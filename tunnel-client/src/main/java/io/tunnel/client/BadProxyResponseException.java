package io.tunnel.client;

/**
 * The proxy answered with a status this client has no meaning for (then {@link #status()} is set), or with
 * something that is not an HTTP/1.x response head, or closed the connection before answering.
 */
public final class BadProxyResponseException extends TunnelException {
    private static final long serialVersionUID = 1L;

    public BadProxyResponseException(String message, String target, int status, Throwable cause) {
        super(message, target, status, cause);
    }

    /** An answer without a usable status. */
    static BadProxyResponseException malformed(String target, String why, Throwable cause) {
        return new BadProxyResponseException("bad answer from the proxy to CONNECT " + target + ": " + why, target,
                NO_STATUS, cause);
    }
}
