package io.tunnel.core.tls;

import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import javax.net.ssl.SSLException;

/**
 * Why a TLS handshake failed, in a few classes fit for a metrics label and for rate-limited logging: what a peer
 * sends cannot make more distinct values than these.
 */
public enum TlsFailureCause {
    /** The peer's first bytes are not a TLS record (plaintext HTTP, a port scanner's probe). */
    NOT_TLS("not_tls"),
    /** The handshake did not complete in time. */
    TIMEOUT("timeout"),
    /** The peer closed or reset the connection before the handshake completed. */
    CLOSED("closed"),
    /** TLS refused the peer: no or an untrusted certificate, no common protocol version or cipher, an alert. */
    REFUSED("refused");

    /** How deep a cause chain is searched; it guards against cycles too. */
    private static final int MAX_CAUSE_DEPTH = 8;
    private static final int MAX_SUMMARY_LENGTH = 160;

    private final String label;

    TlsFailureCause(String label) {
        this.label = label;
    }

    /** The value of the {@code cause} metrics label. */
    public String label() {
        return label;
    }

    /** Classifies the cause of a failed {@code SslHandshakeCompletionEvent}. */
    public static TlsFailureCause of(Throwable failure) {
        Throwable t = failure;
        for (int depth = 0; t != null && depth < MAX_CAUSE_DEPTH; depth++, t = t.getCause()) {
            if (t instanceof NotSslRecordException) {
                return NOT_TLS;
            }
            if (t instanceof SslHandshakeTimeoutException) {
                return TIMEOUT;
            }
            if (t instanceof ClosedChannelException || t instanceof IOException && !(t instanceof SSLException)) {
                return CLOSED;
            }
        }
        return REFUSED;
    }

    /**
     * Says what went wrong in a few words, for a log line: the cause's type and message, cut to
     * {@value #MAX_SUMMARY_LENGTH} characters, except for bytes that are not TLS, whose exception carries a hex dump
     * of everything the peer sent.
     */
    public static String summary(Throwable failure) {
        if (of(failure) == NOT_TLS) {
            return "not a TLS record";
        }
        Throwable root = failure;
        for (int depth = 0; root.getCause() != null && depth < MAX_CAUSE_DEPTH; depth++) {
            root = root.getCause();
        }
        String text = root.getMessage() == null ? root.getClass().getSimpleName()
                : root.getClass().getSimpleName() + ": " + root.getMessage();
        return text.length() <= MAX_SUMMARY_LENGTH ? text : text.substring(0, MAX_SUMMARY_LENGTH) + "...";
    }

    @Override
    public String toString() {
        return "TLS handshake failures (" + label + ")";
    }
}
