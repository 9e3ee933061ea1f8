package io.tunnel.server;

import io.tunnel.core.tls.PeerIdentity;
import java.security.cert.X509Certificate;
import javax.security.auth.x500.X500Principal;

/**
 * Who sent a CONNECT, as the access log ({@code identity=}) and {@code /metrics} name it.
 *
 * @param method how the client was authenticated: {@value #CERTIFICATE}, {@value #BASIC}, {@value #BEARER}, or
 *               {@value #NONE} on a frontend that asks nothing
 * @param name   the client certificate's subject CN (its whole subject if it has no CN), the user name, or the bearer
 *               token's name; {@code -} when unknown. Printable ASCII without spaces or quotes, at most {@value
 *               #MAX_NAME} characters
 */
public record ProxyIdentity(String method, String name) {
    public static final String NONE = "none";
    public static final String CERTIFICATE = "certificate";
    public static final String BASIC = "basic";
    public static final String BEARER = "bearer";
    /** The longest name kept; a longer certificate subject is cut. */
    public static final int MAX_NAME = 255;

    /** A client nobody asked who it is (a plaintext frontend without {@code --frontend-auth}). */
    public static final ProxyIdentity ANONYMOUS = new ProxyIdentity(NONE, "-");

    /** The identity of a verified client certificate: its subject CN, made safe for a log line and a label. */
    public static ProxyIdentity of(X509Certificate certificate) {
        String subject = PeerIdentity.commonName(certificate)
                .orElseGet(() -> certificate.getSubjectX500Principal().getName(X500Principal.RFC2253));
        return new ProxyIdentity(CERTIFICATE, printable(subject));
    }

    /**
     * {@code text} with every character that is not visible ASCII, or is a quote or a backslash, replaced by
     * {@code _}, cut to {@value #MAX_NAME} characters; {@code -} if empty.
     */
    static String printable(String text) {
        if (text.isEmpty()) {
            return "-";
        }
        StringBuilder sb = new StringBuilder(Math.min(text.length(), MAX_NAME));
        for (int i = 0; i < text.length() && sb.length() < MAX_NAME; i++) {
            char c = text.charAt(i);
            sb.append(isNameChar(c) ? c : '_');
        }
        return sb.toString();
    }

    /** Whether {@code c} may appear in a name as it is: visible ASCII, neither a quote nor a backslash. */
    static boolean isNameChar(char c) {
        return c > 0x20 && c < 0x7F && c != '"' && c != '\\';
    }
}
