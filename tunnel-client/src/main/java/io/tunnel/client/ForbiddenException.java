package io.tunnel.client;

/** The proxy answered 403: its policy does not allow the target. */
public final class ForbiddenException extends TunnelException {
    private static final long serialVersionUID = 1L;

    public ForbiddenException(String message, String target, int status) {
        super(message, target, status, null);
    }
}
