package io.tunnel.client;

/**
 * The target did not answer in time: the proxy answered 504, or the proxy gave no answer to CONNECT within the
 * client's dial timeout (then {@link #status()} is empty).
 */
public final class DialTimeoutException extends TunnelException {
    private static final long serialVersionUID = 1L;

    public DialTimeoutException(String message, String target, int status) {
        super(message, target, status, null);
    }

    /** The client gave up waiting for the proxy's answer. */
    static DialTimeoutException clientSide(String target, long timeoutMillis) {
        return new DialTimeoutException("proxy did not answer CONNECT " + target + " within " + timeoutMillis + " ms",
                target, NO_STATUS);
    }
}
