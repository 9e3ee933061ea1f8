package io.tunnel.client.cli;

import io.tunnel.client.BadProxyResponseException;
import io.tunnel.client.DialRefusedException;
import io.tunnel.client.DialTimeoutException;
import io.tunnel.client.ForbiddenException;
import io.tunnel.client.NoAgentException;
import io.tunnel.client.ProxyUnreachableException;
import io.tunnel.client.TunnelException;
import io.tunnel.core.cli.Cli;

/**
 * What {@code tunnel-client}'s exit code says. Each failure also prints one line to stderr.
 *
 * <pre>
 *  0  success (request: the destination answered 2xx)
 *  1  the destination answered non-2xx (its body is still printed), or the exchange failed after the tunnel
 *     opened, or a file or port could not be used
 *  2  bad command line (one line naming the problem, then the usage)
 *  3  the proxy cannot be reached (TCP connect or TLS handshake failed)         ProxyUnreachableException
 *  4  the proxy answered 502: the agent could not reach the destination         DialRefusedException
 *  5  the proxy answered 503: no agent connected (or it is at its stream limit) NoAgentException
 *  6  the proxy answered 504, or did not answer within --dial-timeout           DialTimeoutException
 *  7  the proxy answered 403: the destination is not allowed                    ForbiddenException
 *  8  the proxy answered anything else, or not HTTP                             BadProxyResponseException
 * </pre>
 */
public final class ExitCodes {
    public static final int OK = Cli.EXIT_OK;
    public static final int FAILURE = Cli.EXIT_FAILURE;
    public static final int USAGE = Cli.EXIT_USAGE;
    public static final int PROXY_UNREACHABLE = 3;
    public static final int DIAL_REFUSED = 4;
    public static final int NO_AGENT = 5;
    public static final int DIAL_TIMEOUT = 6;
    public static final int FORBIDDEN = 7;
    public static final int BAD_PROXY_RESPONSE = 8;

    private ExitCodes() {
    }

    /** The exit code of a tunnel that could not be opened. */
    public static int of(TunnelException e) {
        if (e instanceof ProxyUnreachableException) {
            return PROXY_UNREACHABLE;
        } else if (e instanceof DialRefusedException) {
            return DIAL_REFUSED;
        } else if (e instanceof NoAgentException) {
            return NO_AGENT;
        } else if (e instanceof DialTimeoutException) {
            return DIAL_TIMEOUT;
        } else if (e instanceof ForbiddenException) {
            return FORBIDDEN;
        } else if (e instanceof BadProxyResponseException) {
            return BAD_PROXY_RESPONSE;
        }
        return FAILURE;
    }
}
