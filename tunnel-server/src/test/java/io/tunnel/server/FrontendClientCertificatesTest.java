package io.tunnel.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import io.tunnel.core.tls.TlsContexts;
import io.tunnel.core.tls.TlsHandshakes;
import io.tunnel.core.tls.TlsMaterial;
import io.tunnel.core.tls.TlsProvider;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Real TLS handshakes against the frontend's TLS handlers with each {@code --server-client-auth}: a certificate is
 * required only with {@code require}; a certificate presented is checked for its usage whatever the mode, and its
 * subject is the client's identity.
 */
class FrontendClientCertificatesTest {
    static X509Bundle ca;
    static X509Bundle server;
    static X509Bundle client;
    static X509Bundle noUsage;

    private final ServerMetrics metrics = new ServerMetrics(new AgentRegistry());
    private final List<Object> heard = new ArrayList<>();
    private final List<EmbeddedChannel> channels = new ArrayList<>();

    @BeforeAll
    static void makeCertificates() throws Exception {
        ca = new CertificateBuilder().subject("CN=test CA").setIsCertificateAuthority(true).ecp256().buildSelfSigned();
        server = leaf("CN=localhost").addExtendedKeyUsageServerAuth().addSanDnsName("localhost").buildIssuedBy(ca);
        client = leaf("CN=proxy-client,O=tunnel").addExtendedKeyUsageClientAuth().buildIssuedBy(ca);
        noUsage = leaf("CN=no-usage").buildIssuedBy(ca);
    }

    private static CertificateBuilder leaf(String subject) {
        return new CertificateBuilder().subject(subject).ecp256()
                .notBefore(Instant.now().minus(Duration.ofDays(1))).notAfter(Instant.now().plus(Duration.ofDays(30)));
    }

    @AfterEach
    void close() {
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
    }

    /** The frontend's TLS handlers with {@code mode}, after a handshake with a client presenting {@code own}. */
    private EmbeddedChannel handshake(ProxyAuthConfig.ClientCertificates mode, X509Bundle own) throws Exception {
        SslContext serverContext = TlsContexts.server(new TlsMaterial(List.of(server.getCertificate()),
                server.getKeyPair().getPrivate(), List.of(ca.getCertificate())), TlsProvider.JDK, false, mode.toNetty());
        SslContextBuilder clientBuilder = SslContextBuilder.forClient().trustManager(ca.getCertificate())
                .sslProvider(TlsProvider.JDK.toNetty());
        if (own != null) {
            clientBuilder.keyManager(own.getKeyPair().getPrivate(), own.getCertificate());
        }
        EmbeddedChannel serverSide = new EmbeddedChannel();
        EmbeddedChannel clientSide = new EmbeddedChannel();
        channels.add(serverSide);
        channels.add(clientSide);
        serverSide.pipeline().addLast(serverContext.newHandler(serverSide.alloc()))
                .addLast(new FrontendTlsHandshakeHandler(new HandshakeFailures(metrics),
                        mode == ProxyAuthConfig.ClientCertificates.REQUIRE))
                .addLast(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                        heard.add(evt);
                    }
                });
        SslHandler clientSsl = clientBuilder.build().newHandler(clientSide.alloc(), "localhost", 443);
        clientSide.pipeline().addLast(clientSsl);
        for (int round = 0; round < 20
                && (TlsHandshakes.pump(clientSide, serverSide) | TlsHandshakes.pump(serverSide, clientSide)); round++) {
            // until neither side has anything more to say
        }
        return serverSide;
    }

    private boolean passed() {
        return heard.contains(SslHandshakeCompletionEvent.SUCCESS);
    }

    @Test
    void requireIsMutualTlsAsAlways() throws Exception {
        EmbeddedChannel withCertificate = handshake(ProxyAuthConfig.ClientCertificates.REQUIRE, client);
        assertThat(passed()).isTrue();
        assertThat(ProxyAuthenticator.certificateIdentity(withCertificate))
                .isEqualTo(new ProxyIdentity("certificate", "proxy-client"));

        heard.clear();
        EmbeddedChannel without = handshake(ProxyAuthConfig.ClientCertificates.REQUIRE, null);
        assertThat(passed()).as("no certificate, no connection").isFalse();
        assertThat(without.isOpen()).isFalse();
    }

    @Test
    void optionalLetsAClientWithoutACertificateThroughAndIdentifiesOneWithIt() throws Exception {
        EmbeddedChannel without = handshake(ProxyAuthConfig.ClientCertificates.OPTIONAL, null);
        assertThat(passed()).isTrue();
        assertThat(without.isOpen()).isTrue();
        assertThat(ProxyAuthenticator.certificateIdentity(without)).as("left to proxy credentials").isNull();

        heard.clear();
        EmbeddedChannel with = handshake(ProxyAuthConfig.ClientCertificates.OPTIONAL, client);
        assertThat(passed()).isTrue();
        assertThat(ProxyAuthenticator.certificateIdentity(with))
                .isEqualTo(new ProxyIdentity("certificate", "proxy-client"));
    }

    @Test
    void aCertificatePresentedWithoutClientAuthUsageIsRefusedEvenWhereOptional() throws Exception {
        EmbeddedChannel refused = handshake(ProxyAuthConfig.ClientCertificates.OPTIONAL, noUsage);
        assertThat(passed()).isFalse();
        assertThat(refused.isOpen()).isFalse();
    }

    @Test
    void noneNeverAsksSoNoCertificateIsSeen() throws Exception {
        EmbeddedChannel channel = handshake(ProxyAuthConfig.ClientCertificates.NONE, client);
        assertThat(passed()).isTrue();
        assertThat(ProxyAuthenticator.certificateIdentity(channel)).isNull();
    }

    @Test
    void aSubjectWithoutCnIsTheWholeSubjectAndNothingUnprintableReachesALogLine() throws Exception {
        X509Bundle noCn = leaf("O=Example Org,C=DE").addExtendedKeyUsageClientAuth().buildIssuedBy(ca);
        assertThat(ProxyIdentity.of(noCn.getCertificate())).isEqualTo(new ProxyIdentity("certificate",
                "O=Example_Org,C=DE"));
        X509Bundle odd = leaf("CN=alice \\\"the admin\\\"").addExtendedKeyUsageClientAuth().buildIssuedBy(ca);
        assertThat(ProxyIdentity.of(odd.getCertificate()).name()).as("spaces, quotes and their escapes")
                .isEqualTo("alice___the_admin__");
        assertThat(ProxyIdentity.printable("")).isEqualTo("-");
        assertThat(ProxyIdentity.printable("x".repeat(300))).hasSize(ProxyIdentity.MAX_NAME);
    }
}
