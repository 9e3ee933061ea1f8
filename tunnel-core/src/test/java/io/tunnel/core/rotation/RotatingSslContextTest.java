package io.tunnel.core.rotation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.ReferenceCounted;
import io.tunnel.core.tls.TlsContexts;
import io.tunnel.core.tls.TlsMaterial;
import io.tunnel.core.tls.TlsProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLEngine;
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
    private SslContext referenceCountedServer() throws Exception {
        X509Bundle ca = new CertificateBuilder().subject("CN=ca").setIsCertificateAuthority(true).ecp256()
                .buildSelfSigned();
        X509Bundle server = new CertificateBuilder().subject("CN=server").addSanDnsName("localhost").ecp256()
                .addExtendedKeyUsageServerAuth().buildIssuedBy(ca);
        return TlsContexts.server(new TlsMaterial(server.getCertificatePathList(),
                        server.getKeyPair().getPrivate(), List.of(ca.getCertificate())),
                SslProvider.OPENSSL_REFCNT, false, ClientAuth.REQUIRE);
    }

    /** What ReloadingTls does to a rotating context: release the replaced context at any moment. */
    @Test
    void aReferenceCountedContextIsHeldWhileAnEngineIsBuiltAndABuiltOneKeepsIt() throws Exception {
        ReferenceCounted first = (ReferenceCounted) referenceCountedServer();
        ReferenceCounted second = (ReferenceCounted) referenceCountedServer();
        AtomicReference<SslContext> current = new AtomicReference<>((SslContext) first);
        SslContext rotating = new RotatingSslContext(current::get);

        SSLEngine old = rotating.newEngine(ByteBufAllocator.DEFAULT);
        assertThat(first.refCnt()).isEqualTo(2);
        current.set((SslContext) second);
        first.release();
        SslHandler handler = rotating.newHandler(ByteBufAllocator.DEFAULT);
        assertThat(second.refCnt()).as("held by the new handler's engine only, not by the build").isEqualTo(2);
        assertThat(first.refCnt()).isOne();
        ReferenceCountUtil.release(old);
        ReferenceCountUtil.release(handler.engine());
        assertThat(first.refCnt()).isZero();

        // Read just before it was replaced and released: the next one is taken.
        ReferenceCounted third = (ReferenceCounted) referenceCountedServer();
        Iterator<SslContext> reads = List.of((SslContext) second, (SslContext) third).iterator();
        AtomicReference<SslContext> last = new AtomicReference<>();
        SslContext racing = new RotatingSslContext(() -> reads.hasNext() ? last.updateAndGet(x -> reads.next())
                : last.get());
        second.release();
        SSLEngine engine = racing.newEngine(ByteBufAllocator.DEFAULT);
        assertThat(third.refCnt()).isEqualTo(2);
        ReferenceCountUtil.release(engine);

        // Released and still current: closed.
        third.release();
        assertThat(third.refCnt()).isZero();
        current.set((SslContext) third);
        assertThatThrownBy(() -> rotating.newEngine(ByteBufAllocator.DEFAULT))
                .isInstanceOf(IllegalStateException.class).hasMessage("TLS context closed");
    }
}
