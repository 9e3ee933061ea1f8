package io.tunnel.core.tls;

import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.security.auth.x500.X500Principal;

/**
 * Reads who the peer is from its verified certificate: never from anything it says on the wire.
 */
public final class PeerIdentity {
    /** SAN URI prefix that names an agent: {@code urn:tunnel:agent:<id>}. */
    public static final String AGENT_URI_PREFIX = "urn:tunnel:agent:";
    /** OID of the clientAuth extended key usage. */
    public static final String EKU_CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

    private static final int SAN_URI = 6;

    private PeerIdentity() {
    }

    /** The peer's leaf certificate of a completed handshake. */
    public static X509Certificate peerCertificate(SSLSession session) throws SSLPeerUnverifiedException {
        Certificate[] chain = session.getPeerCertificates();
        if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
            throw new SSLPeerUnverifiedException("no X.509 peer certificate");
        }
        return leaf;
    }

    /** {@code true} if the certificate's extended key usage allows TLS client authentication. */
    public static boolean allowsClientAuth(X509Certificate cert) {
        try {
            List<String> eku = cert.getExtendedKeyUsage();
            return eku != null && eku.contains(EKU_CLIENT_AUTH);
        } catch (CertificateParsingException e) {
            return false;
        }
    }

    /** The agent id: the SAN URI {@code urn:tunnel:agent:<id>} if present, else the subject CN. */
    public static Optional<String> agentId(X509Certificate cert) {
        try {
            Collection<List<?>> sans = cert.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    if (san.size() >= 2 && Integer.valueOf(SAN_URI).equals(san.get(0))
                            && san.get(1) instanceof String uri && uri.startsWith(AGENT_URI_PREFIX)
                            && uri.length() > AGENT_URI_PREFIX.length()) {
                        return Optional.of(uri.substring(AGENT_URI_PREFIX.length()));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // fall back to the CN
        }
        return commonName(cert);
    }

    /** The subject's CN, if it has one. */
    public static Optional<String> commonName(X509Certificate cert) {
        String dn = cert.getSubjectX500Principal().getName(X500Principal.RFC2253);
        for (String rdn : dn.split(",")) {
            if (rdn.startsWith("CN=")) {
                return Optional.of(rdn.substring(3));
            }
        }
        return Optional.empty();
    }
}
