package io.tunnel.client;

/** The proxy answered 503: no agent is connected, or the agent cannot take another stream. */
public final class NoAgentException extends TunnelException {
    private static final long serialVersionUID = 1L;

    public NoAgentException(String message, String target, int status) {
        super(message, target, status, null);
    }
}
