package io.tunnel.core.tls;

import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Remembers client certificate chains the PKIX trust manager accepted, so a client that connects again (every
 * CONNECT is a new TLS connection) is not validated from scratch: the JDK's path validation was about 15 % of the
 * server's CPU per new mTLS tunnel.
 *
 * <p>Only successes are remembered, keyed by a SHA-256 digest of every certificate's encoding in the chain and the
 * authentication type; a remembered chain expires at the earliest {@code notAfter} in it, and at the latest after
 * {@link #TTL_MILLIS}. The cache holds at most {@link #MAX_ENTRIES} chains and starts over when full. Server
 * checks are passed straight to the delegate.
 */
public final class CachingClientTrustManager extends X509ExtendedTrustManager {
    static final long TTL_MILLIS = 10 * 60 * 1000L;
    static final int MAX_ENTRIES = 4096;

    private final X509ExtendedTrustManager delegate;
    private final LongSupplier clock;
    private final Map<ByteBuffer, Long> validUntil = new ConcurrentHashMap<>();

    /** @param delegate the trust manager that validates what is not remembered (the JDK's PKIX one) */
    public CachingClientTrustManager(X509ExtendedTrustManager delegate) {
        this(delegate, System::currentTimeMillis);
    }

    CachingClientTrustManager(X509ExtendedTrustManager delegate, LongSupplier clock) {
        this.delegate = delegate;
        this.clock = clock;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        checkClient(chain, authType, () -> delegate.checkClientTrusted(chain, authType, engine));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        checkClient(chain, authType, () -> delegate.checkClientTrusted(chain, authType, socket));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        checkClient(chain, authType, () -> delegate.checkClientTrusted(chain, authType));
    }

    /** One of the delegate's client checks. */
    @FunctionalInterface
    private interface Check {
        void run() throws CertificateException;
    }

    private void checkClient(X509Certificate[] chain, String authType, Check delegateCheck)
            throws CertificateException {
        ByteBuffer key = key(chain, authType);
        if (!remembered(key)) {
            delegateCheck.run();
            remember(key, chain);
        }
    }

    private boolean remembered(ByteBuffer key) {
        Long until = validUntil.get(key);
        if (until == null) {
            return false;
        }
        if (clock.getAsLong() < until) {
            return true;
        }
        validUntil.remove(key, until);
        return false;
    }

    private void remember(ByteBuffer key, X509Certificate[] chain) {
        long until = clock.getAsLong() + TTL_MILLIS;
        for (X509Certificate cert : chain) {
            until = Math.min(until, cert.getNotAfter().getTime());
        }
        if (validUntil.size() >= MAX_ENTRIES) {
            validUntil.clear();
        }
        validUntil.put(key, until);
    }

    private static ByteBuffer key(X509Certificate[] chain, String authType) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("no client certificate");
        }
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new CertificateException(e);
        }
        for (X509Certificate cert : chain) {
            sha256.update(cert.getEncoded());
        }
        sha256.update(String.valueOf(authType).getBytes(StandardCharsets.US_ASCII));
        return ByteBuffer.wrap(sha256.digest());
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        delegate.checkServerTrusted(chain, authType, engine);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        delegate.checkServerTrusted(chain, authType, socket);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        delegate.checkServerTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return delegate.getAcceptedIssuers();
    }
}
