package io.tunnel.core.rotation;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import io.netty.util.ReferenceCountUtil;
import io.tunnel.core.tls.TlsContexts;
import io.tunnel.core.tls.TlsProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every new engine and handler comes from the context current at that moment, with that context's settings. */
class RotatingSslContextTest {
    @TempDir
    Path dir;

    private SslContext client(boolean tls13Only) throws Exception {
        X509Bundle ca = new CertificateBuilder().subject("CN=ca").setIsCertificateAuthority(true).ecp256()
                .buildSelfSigned();
        X509Bundle agent = new CertificateBuilder().subject("CN=agent").ecp256().addExtendedKeyUsageClientAuth()
                .buildIssuedBy(ca);
        Path cert = Files.writeString(Files.createTempFile(dir, "agent", ".crt"), agent.getCertificatePEM());
        Path key = Files.writeString(Files.createTempFile(dir, "agent", ".key"), agent.getPrivateKeyPEM());
        Path caFile = Files.writeString(Files.createTempFile(dir, "ca", ".crt"), ca.getCertificatePEM());
        return TlsContexts.client(cert, key, caFile, TlsProvider.JDK, tls13Only);
    }

    private static String[] protocolsOf(SslHandler handler) {
        try {
            return handler.engine().getEnabledProtocols();
        } finally {
            ReferenceCountUtil.release(handler.engine());
        }
    }

    @Test
    void newHandlersAndEnginesFollowTheCurrentContext() throws Exception {
        SslContext strict = client(true);
        SslContext lenient = client(false);
        AtomicReference<SslContext> current = new AtomicReference<>(strict);
        SslContext rotating = new RotatingSslContext(current::get);

        assertThat(rotating.isClient()).isTrue();
        assertThat(protocolsOf(rotating.newHandler(ByteBufAllocator.DEFAULT))).containsExactly("TLSv1.3");
        current.set(lenient);
        assertThat(protocolsOf(rotating.newHandler(ByteBufAllocator.DEFAULT, "localhost", 443)))
                .contains("TLSv1.2", "TLSv1.3");
        assertThat(rotating.newEngine(ByteBufAllocator.DEFAULT).getEnabledProtocols()).contains("TLSv1.2");
        current.set(strict);
        assertThat(rotating.newEngine(ByteBufAllocator.DEFAULT, "localhost", 443).getEnabledProtocols())
                .containsExactly("TLSv1.3");
    }
}
