package io.tunnel.core.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/** A failed handshake's cause in a few classes, and a log text that never echoes what the peer sent. */
class TlsFailureCauseTest {

    @Test
    void classifiesTheCausesOfFailedHandshakes() {
        assertThat(TlsFailureCause.of(new DecoderException(new NotSslRecordException("not an SSL/TLS record: 47"))))
                .isEqualTo(TlsFailureCause.NOT_TLS);
        assertThat(TlsFailureCause.of(new SslHandshakeTimeoutException("handshake timed out after 10000ms")))
                .isEqualTo(TlsFailureCause.TIMEOUT);
        assertThat(TlsFailureCause.of(new ClosedChannelException())).isEqualTo(TlsFailureCause.CLOSED);
        assertThat(TlsFailureCause.of(new IOException("Connection reset by peer"))).isEqualTo(TlsFailureCause.CLOSED);
        assertThat(TlsFailureCause.of(new DecoderException(new SSLHandshakeException("bad_certificate"))))
                .isEqualTo(TlsFailureCause.REFUSED);
    }

    @Test
    void summariesAreShortAndNeverDumpThePeersBytes() {
        String dump = "47".repeat(10_000);
        assertThat(TlsFailureCause.summary(new DecoderException(new NotSslRecordException(
                "not an SSL/TLS record: " + dump)))).isEqualTo("not a TLS record");
        assertThat(TlsFailureCause.summary(new DecoderException(new SSLHandshakeException("x".repeat(500)))))
                .startsWith("SSLHandshakeException: xxx").hasSize(163);
        assertThat(TlsFailureCause.summary(new ClosedChannelException())).isEqualTo("ClosedChannelException");
    }
}
