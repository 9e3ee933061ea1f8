package io.tunnel.client;

import java.io.IOException;
import java.util.OptionalInt;

/**
 * A tunnel could not be opened. Every subclass names one cause; each carries the target it was for
 * ({@code host:port}) and, where the proxy answered, the HTTP status of that answer.
 *
 * <pre>
 * ProxyUnreachableException   no TCP connection or TLS session to the proxy
 * NoAgentException            503: no agent connected, or the agent is at its stream limit
 * DialRefusedException        502: the agent could not connect to the target (refused, unreachable, unknown name)
 * DialTimeoutException        504, or no answer to CONNECT within the client's dial timeout (no status)
 * ForbiddenException          403: the target is not allowed
 * BadProxyResponseException   any other status, or an answer that is not an HTTP/1.x response head
 * </pre>
 *
 * The list is closed ({@code sealed}): a caller that handles these six has handled every way a dial can fail.
 */
public abstract sealed class TunnelException extends IOException
        permits ProxyUnreachableException, NoAgentException, DialRefusedException, DialTimeoutException,
        ForbiddenException, BadProxyResponseException {
    private static final long serialVersionUID = 1L;
    /** {@link #status()} of an exception the proxy did not answer with a status. */
    static final int NO_STATUS = -1;

    /** The target of the failed CONNECT, {@code host:port}. */
    private final String target;
    /** The proxy's status, or {@link #NO_STATUS}. */
    private final int status;

    TunnelException(String message, String target, int status, Throwable cause) {
        super(message, cause);
        this.target = target;
        this.status = status;
    }

    /**
     * The target of the failed CONNECT.
     *
     * @return the target, {@code host:port}
     */
    public String target() {
        return target;
    }

    /**
     * The status the proxy answered with, if it answered with one.
     *
     * @return the HTTP status of the proxy's answer, or empty if there was none (no connection, no answer in time,
     *         not an HTTP response)
     */
    public OptionalInt status() {
        return status == NO_STATUS ? OptionalInt.empty() : OptionalInt.of(status);
    }
}
