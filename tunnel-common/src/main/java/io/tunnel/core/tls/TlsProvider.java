package io.tunnel.core.tls;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;

/** Which TLS implementation to use; {@link #AUTO} takes OpenSSL (BoringSSL) when it loads. */
public enum TlsProvider {
    AUTO, OPENSSL, JDK;

    public SslProvider toNetty() {
        return switch (this) {
            case OPENSSL -> SslProvider.OPENSSL;
            case JDK -> SslProvider.JDK;
            case AUTO -> OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
        };
    }
}
