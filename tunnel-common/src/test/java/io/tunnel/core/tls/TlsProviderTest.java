package io.tunnel.core.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import org.junit.jupiter.api.Test;

/** Which Netty provider each choice stands for, finalized or reference-counted. */
class TlsProviderTest {
    @Test
    void theReferenceCountedChoiceIsOpenSslsCountedEngineAndLeavesTheJdkAlone() {
        assertThat(OpenSsl.isAvailable()).as("netty-tcnative loads here").isTrue();
        assertThat(TlsProvider.OPENSSL.toNetty()).isEqualTo(SslProvider.OPENSSL);
        assertThat(TlsProvider.OPENSSL.toNettyReferenceCounted()).isEqualTo(SslProvider.OPENSSL_REFCNT);
        assertThat(TlsProvider.AUTO.toNettyReferenceCounted()).isEqualTo(SslProvider.OPENSSL_REFCNT);
        assertThat(TlsProvider.JDK.toNettyReferenceCounted()).isEqualTo(SslProvider.JDK);
    }
}
