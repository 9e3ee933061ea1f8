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

    /**
     * As {@link #toNetty()}, but OpenSSL as {@link SslProvider#OPENSSL_REFCNT}: each engine is freed when its
     * {@code SslHandler} is removed instead of when a finalizer gets to it, and the context when its owner releases
     * it and the last engine built from it is gone. For contexts that are released by their owner, on a path where
     * connections come and go fast (the server's frontend).
     *
     * @return {@link SslProvider#OPENSSL_REFCNT} or {@link SslProvider#JDK}
     */
    public SslProvider toNettyReferenceCounted() {
        SslProvider provider = toNetty();
        return provider == SslProvider.OPENSSL ? SslProvider.OPENSSL_REFCNT : provider;
    }
}
