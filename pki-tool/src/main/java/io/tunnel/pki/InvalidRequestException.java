package io.tunnel.pki;

/**
 * A request that cannot be carried out as given: a bad flag value, name or host. The command line reports it as
 * a usage error (exit 2). Its message names the problem in one line.
 */
public final class InvalidRequestException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception with a one-line message naming the problem. */
    public InvalidRequestException(String message) {
        super(message);
    }
}
