package io.tunnel.core.tls;

import javax.net.ssl.SSLException;

/** TLS material that cannot be used: the message is one line naming the file and what is wrong with it. */
public final class TlsMaterialException extends SSLException {
    private static final long serialVersionUID = 1L;

    /** @param message one line naming the file and what is wrong with it */
    public TlsMaterialException(String message) {
        super(message);
    }
}
