package io.tunnel.client;

/** The proxy answered 503: no agent is connected, or the agent cannot take another stream. */
public final class NoAgentException extends TunnelException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what happened, for people: names the target, and the proxy's status and reason if it answered
     * @param target  the target of the CONNECT, {@code host:port}
     * @param status  the status the proxy answered with
     */
    public NoAgentException(String message, String target, int status) {
        super(message, target, status, null);
    }
}
