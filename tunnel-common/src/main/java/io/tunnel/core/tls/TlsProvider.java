package io.tunnel.core.tls;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;

/** Which TLS implementation to use; {@link #AUTO} takes OpenSSL (BoringSSL) when it loads. */
public enum TlsProvider {
    /** OpenSSL where netty-tcnative loads, the JDK's elsewhere. */
    AUTO,
    /** OpenSSL (netty-tcnative's BoringSSL): the fastest handshakes; fails where it does not load. */
    OPENSSL,
    /** The JDK's {@code SSLEngine}. */
    JDK;

    /**
     * The Netty provider this stands for, {@link #AUTO} resolved now.
     *
     * @return {@link SslProvider#OPENSSL} or {@link SslProvider#JDK}
     */
    public SslProvider toNetty() {
        return switch (this) {
            case OPENSSL -> SslProvider.OPENSSL;
            case JDK -> SslProvider.JDK;
            case AUTO -> OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
        };
    }
}
