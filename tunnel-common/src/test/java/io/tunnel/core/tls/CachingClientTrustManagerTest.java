package io.tunnel.core.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Only accepted chains are remembered, each until its earliest notAfter or the TTL, whichever comes first. */
class CachingClientTrustManagerTest {
    @TempDir
    static Path tmp;
    static X509Certificate good;
    static X509Certificate bad;

    private long now;
    private final CountingTrustManager pkix = new CountingTrustManager();
    private final CachingClientTrustManager cache = new CachingClientTrustManager(pkix, () -> now);

    @BeforeAll
    static void certificates() throws Exception {
        good = selfSigned("good");
        bad = selfSigned("bad");
    }

    /** A one-day self-signed certificate from openssl (installed by .ci/run). */
    private static X509Certificate selfSigned(String cn) throws IOException, InterruptedException, CertificateException {
        Path pem = tmp.resolve(cn + ".crt");
        Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj", "/CN=" + cn,
                "-keyout", tmp.resolve(cn + ".key").toString(), "-out", pem.toString())
                .redirectErrorStream(true).start();
        openssl.getInputStream().transferTo(OutputStream.nullOutputStream());
        assertThat(openssl.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(openssl.exitValue()).as("openssl req").isZero();
        try (InputStream in = Files.newInputStream(pem)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    @Test
    void anAcceptedChainIsValidatedOnceThenRemembered() throws CertificateException {
        now = good.getNotBefore().getTime() + 1_000;
        for (int i = 0; i < 3; i++) {
            cache.checkClientTrusted(new X509Certificate[] {good}, "UNKNOWN", (SSLEngine) null);
        }
        assertThat(pkix.calls).hasValue(1);

        cache.checkClientTrusted(new X509Certificate[] {good}, "RSA", (SSLEngine) null);
        assertThat(pkix.calls).as("another auth type is another question").hasValue(2);
    }

    @Test
    void aRejectedChainIsAskedAboutEveryTime() {
        now = bad.getNotBefore().getTime() + 1_000;
        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> cache.checkClientTrusted(new X509Certificate[] {bad}, "UNKNOWN", (SSLEngine) null))
                    .isInstanceOf(CertificateException.class).hasMessageContaining("untrusted");
        }
        assertThat(pkix.calls).hasValue(2);
    }

    @Test
    void aRememberedChainIsValidatedAgainAfterTheTtl() throws CertificateException {
        now = good.getNotBefore().getTime() + 1_000;
        cache.checkClientTrusted(new X509Certificate[] {good}, "UNKNOWN", (SSLEngine) null);
        now += CachingClientTrustManager.TTL_MILLIS - 1;
        cache.checkClientTrusted(new X509Certificate[] {good}, "UNKNOWN", (SSLEngine) null);
        assertThat(pkix.calls).hasValue(1);

        now += 1;
        cache.checkClientTrusted(new X509Certificate[] {good}, "UNKNOWN", (SSLEngine) null);
        assertThat(pkix.calls).hasValue(2);
    }

    @Test
    void aRememberedChainIsNeverAcceptedPastItsNotAfter() throws CertificateException {
        long notAfter = good.getNotAfter().getTime();
        now = notAfter - 60_000; // within the TTL of the certificate's end
        cache.checkClientTrusted(new X509Certificate[] {good}, "UNKNOWN", (SSLEngine) null);
        now = notAfter;
        cache.checkClientTrusted(new X509Certificate[] {good}, "UNKNOWN", (SSLEngine) null);
        assertThat(pkix.calls).as("validated again: the delegate decides about an expired certificate").hasValue(2);
    }

    @Test
    void anEmptyChainIsRefusedWithoutAsking() {
        assertThatThrownBy(() -> cache.checkClientTrusted(new X509Certificate[0], "UNKNOWN", (SSLEngine) null))
                .isInstanceOf(CertificateException.class);
        assertThat(pkix.calls).hasValue(0);
    }

    /** Trusts {@link #good} only, and counts the questions. */
    private static final class CountingTrustManager extends X509ExtendedTrustManager {
        final AtomicInteger calls = new AtomicInteger();

        private void check(X509Certificate[] chain) throws CertificateException {
            calls.incrementAndGet();
            if (!chain[0].equals(good)) {
                throw new CertificateException("untrusted " + chain[0].getSubjectX500Principal());
            }
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            check(chain);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            check(chain);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            check(chain);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
            throw new UnsupportedOperationException();
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
