package io.tunnel.client;

/** The proxy answered 502: the agent could not connect to the target (refused, unreachable or unknown name). */
public final class DialRefusedException extends TunnelException {
    private static final long serialVersionUID = 1L;

    public DialRefusedException(String message, String target, int status) {
        super(message, target, status, null);
    }
}
