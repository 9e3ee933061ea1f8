package io.tunnel.core.tls;

import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLException;

/**
 * Why a TLS handshake failed, in words an operator can act on, and in a few classes fit for a metrics label and for
 * rate-limited logging (what a peer sends cannot make more distinct values than these).
 *
 * <p>The same mistake looks different with each TLS provider and on each side: the side that checks a certificate
 * sees the JDK's certificate exceptions (our trust managers are the JDK's, whatever the provider), the other side
 * only the alert it received, which the JDK names in its message ({@code Received fatal alert: unknown_ca}) and
 * BoringSSL by its reason code ({@code ...:OPENSSL_internal:SSLV3_ALERT_CERTIFICATE_EXPIRED}), and OpenSSL's engine
 * wraps a trust manager's exception in a generic "General OpenSslEngine problem". {@link #of} looks through the
 * whole cause chain: exception types first, then those alert and reason names, which are the stable part of the
 * messages. {@code TlsFailureCauseTest} pins every case on both providers with real handshakes.
 */
public enum TlsFailureCause {
    /** The peer's first bytes are not a TLS record (plaintext HTTP, a port scanner's probe). */
    NOT_TLS("not_tls", "not TLS: the peer sent something else (plaintext HTTP?)"),
    /** The handshake did not complete in time. */
    TIMEOUT("timeout", "the handshake did not complete in time"),
    /** The peer closed or reset the connection before the handshake completed. */
    CLOSED("closed", "the connection closed during the handshake"),
    /** A certificate is not issued by a CA the checking side trusts. */
    UNKNOWN_CA("unknown_ca", "certificate issued by an unknown CA (wrong CA file, or a certificate of another tree)"),
    /** A certificate is expired or not yet valid. */
    EXPIRED("expired", "certificate expired or not yet valid"),
    /** The server's certificate does not name the host the client dialled. */
    HOSTNAME_MISMATCH("hostname_mismatch", "the server's certificate does not name the host dialled (no matching SAN)"),
    /** The client sent no certificate, or none issued by a CA the server accepts (clients pick by issuer). */
    NO_CLIENT_CERTIFICATE("no_client_certificate",
            "no client certificate (or none issued by a CA the server trusts)"),
    /** A certificate's extended key usage does not allow this use (a server certificate used by a client). */
    WRONG_EKU("wrong_eku", "certificate not allowed for this use (extended key usage)"),
    /** No protocol version both sides speak. */
    PROTOCOL_VERSION("protocol_version", "no TLS version both sides accept"),
    /** The peer refused this side's certificate without saying why more precisely. */
    PEER_REFUSED("peer_refused", "the peer refused this side's certificate (check its CA file and names)"),
    /** Anything else TLS refused. */
    REFUSED("refused", "the TLS handshake failed");

    /** How deep a cause chain is searched; it guards against cycles too. */
    private static final int MAX_CAUSE_DEPTH = 8;
    private static final int MAX_SUMMARY_LENGTH = 160;

    /** Alert names (the JDK's lower-case ones, BoringSSL's reason codes) and message words, by cause. */
    private static final List<Marker> MARKERS = List.of(
            new Marker(UNKNOWN_CA, "unknown_ca", "pkix path building failed"),
            new Marker(EXPIRED, "certificate_expired", "validity check failed"),
            new Marker(HOSTNAME_MISMATCH, "no subject alternative", "no name matching"),
            new Marker(NO_CLIENT_CERTIFICATE, "empty client certificate chain", "peer_did_not_return_a_certificate",
                    "certificate_required"),
            new Marker(WRONG_EKU, "extended key usage does not permit", "unsupported_certificate"),
            new Marker(PROTOCOL_VERSION, "protocol_version", "unsupported_protocol", "wrong_version_number",
                    "are not accepted by server preferences", "no appropriate protocol"),
            new Marker(PEER_REFUSED, "certificate_unknown", "bad_certificate", "tlsv1_alert_internal_error"));

    private final String label;
    private final String words;

    TlsFailureCause(String label, String words) {
        this.label = label;
        this.words = words;
    }

    /** The value of the {@code cause} metrics label. */
    public String label() {
        return label;
    }

    /** What went wrong, in words for a log line. */
    public String words() {
        return words;
    }

    /** Classifies the cause of a failed {@code SslHandshakeCompletionEvent}. */
    public static TlsFailureCause of(Throwable failure) {
        TlsFailureCause byType = byType(failure);
        if (byType != null) {
            return byType;
        }
        int depth = 0;
        for (Throwable t = failure; t != null && depth < MAX_CAUSE_DEPTH; t = t.getCause(), depth++) {
            String message = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
            for (Marker marker : MARKERS) {
                if (marker.matches(message)) {
                    return marker.cause;
                }
            }
        }
        return REFUSED;
    }

    private static TlsFailureCause byType(Throwable failure) {
        int depth = 0;
        for (Throwable t = failure; t != null && depth < MAX_CAUSE_DEPTH; t = t.getCause(), depth++) {
            if (t instanceof NotSslRecordException) {
                return NOT_TLS;
            }
            if (t instanceof SslHandshakeTimeoutException) {
                return TIMEOUT;
            }
            if (t instanceof CertificateExpiredException || t instanceof CertificateNotYetValidException) {
                return EXPIRED;
            }
            if (t instanceof CertPathBuilderException) {
                return UNKNOWN_CA;
            }
            if (t instanceof ClosedChannelException || t instanceof IOException && !(t instanceof SSLException)) {
                return CLOSED;
            }
        }
        return null;
    }

    /**
     * Says what went wrong in a few words, for a log line: the cause's words, then the deepest exception's message
     * cut to {@value #MAX_SUMMARY_LENGTH} characters, except for bytes that are not TLS, whose exception carries a hex
     * dump of everything the peer sent.
     */
    public static String summary(Throwable failure) {
        TlsFailureCause cause = of(failure);
        if (cause == NOT_TLS) {
            return cause.words;
        }
        Throwable root = failure;
        for (int depth = 0; root.getCause() != null && depth < MAX_CAUSE_DEPTH; depth++) {
            root = root.getCause();
        }
        String text = root.getMessage() == null ? root.getClass().getSimpleName()
                : root.getClass().getSimpleName() + ": " + root.getMessage();
        text = text.length() <= MAX_SUMMARY_LENGTH ? text : text.substring(0, MAX_SUMMARY_LENGTH) + "...";
        return cause.words + " [" + text + "]";
    }

    @Override
    public String toString() {
        return "TLS handshake failures (" + label + ")";
    }

    private record Marker(TlsFailureCause cause, String... words) {
        boolean matches(String message) {
            for (String word : words) {
                if (message.contains(word)) {
                    return true;
                }
            }
            return false;
        }
    }
}
