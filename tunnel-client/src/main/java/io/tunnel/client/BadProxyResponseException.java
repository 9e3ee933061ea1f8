package io.tunnel.client;

/**
 * The proxy answered with a status this client has no meaning for (then {@link #status()} is set), or with
 * something that is not an HTTP/1.x response head, or closed the connection before answering.
 */
public final class BadProxyResponseException extends TunnelException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what happened, for people: names the target, and the proxy's status and reason if it answered
     * @param target  the target of the CONNECT, {@code host:port}
     * @param status  the status the proxy answered with, or -1 if the answer had none
     * @param cause   what made the answer unusable (a lost connection, say), or {@code null}
     */
    public BadProxyResponseException(String message, String target, int status, Throwable cause) {
        super(message, target, status, cause);
    }

    /** An answer without a usable status. */
    static BadProxyResponseException malformed(String target, String why, Throwable cause) {
        return new BadProxyResponseException("bad answer from the proxy to CONNECT " + target + ": " + why, target,
                NO_STATUS, cause);
    }
}
