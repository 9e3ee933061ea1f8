package io.tunnel.client;

/** The proxy answered 403: its policy does not allow the target. */
public final class ForbiddenException extends TunnelException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what happened, for people: names the target, and the proxy's status and reason if it answered
     * @param target  the target of the CONNECT, {@code host:port}
     * @param status  the status the proxy answered with
     */
    public ForbiddenException(String message, String target, int status) {
        super(message, target, status, null);
    }
}
