package io.tunnel.client;

/**
 * The target did not answer in time: the proxy answered 504, or the proxy gave no answer to CONNECT within the
 * client's dial timeout (then {@link #status()} is empty).
 */
public final class DialTimeoutException extends TunnelException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what happened, for people: names the target, and the proxy's status and reason if it answered
     * @param target  the target of the CONNECT, {@code host:port}
     * @param status  the status the proxy answered with, or -1 if it did not answer in time
     */
    public DialTimeoutException(String message, String target, int status) {
        super(message, target, status, null);
    }

    /** The client gave up waiting for the proxy's answer. */
    static DialTimeoutException clientSide(String target, long timeoutMillis) {
        return new DialTimeoutException("proxy did not answer CONNECT " + target + " within " + timeoutMillis + " ms",
                target, NO_STATUS);
    }
}
