package io.tunnel.core.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.netty.handler.ssl.SslProvider;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A failed handshake's cause in words, whatever the TLS provider: each mistake is made for real (two
 * {@link io.netty.channel.embedded.EmbeddedChannel}s shake hands) and classified on the side that sees it.
 */
class TlsFailureCauseTest {
    static X509Bundle ca;
    static X509Bundle otherCa;
    static X509Bundle server;
    static X509Bundle expiredServer;
    static X509Bundle client;
    static X509Bundle serverAsClient;
    static X509Bundle strangerClient;

    @BeforeAll
    static void certificates() throws Exception {
        ca = new CertificateBuilder().subject("CN=ca").setIsCertificateAuthority(true).ecp256().buildSelfSigned();
        otherCa = new CertificateBuilder().subject("CN=other").setIsCertificateAuthority(true).ecp256()
                .buildSelfSigned();
        server = leaf("server").addSanDnsName("localhost").addExtendedKeyUsageServerAuth().buildIssuedBy(ca);
        expiredServer = leaf("old server").addSanDnsName("localhost").addExtendedKeyUsageServerAuth()
                .notBefore(Instant.now().minus(Duration.ofDays(9))).notAfter(Instant.now().minus(Duration.ofDays(1)))
                .buildIssuedBy(ca);
        client = leaf("client").addExtendedKeyUsageClientAuth().buildIssuedBy(ca);
        serverAsClient = leaf("server as client").addExtendedKeyUsageServerAuth().buildIssuedBy(ca);
        strangerClient = leaf("stranger").addExtendedKeyUsageClientAuth().buildIssuedBy(otherCa);
    }

    private static CertificateBuilder leaf(String cn) {
        return new CertificateBuilder().subject("CN=" + cn).ecp256();
    }

    private static SslContext server(SslProvider provider, X509Bundle cert, String... protocols) throws Exception {
        return SslContextBuilder.forServer(cert.getKeyPair().getPrivate(), cert.getCertificatePath())
                .trustManager(new CachingClientTrustManager(TlsContexts.pkixTrustManager(List.of(ca.getCertificate()))))
                .clientAuth(ClientAuth.REQUIRE).protocols(protocols.length == 0 ? null : protocols)
                .sslProvider(provider).build();
    }

    private static SslContext client(SslProvider provider, X509Bundle trust, X509Bundle own, String... protocols)
            throws Exception {
        SslContextBuilder builder = SslContextBuilder.forClient().trustManager(trust.getCertificate())
                .endpointIdentificationAlgorithm("HTTPS").protocols(protocols.length == 0 ? null : protocols)
                .sslProvider(provider);
        if (own != null) {
            builder.keyManager(own.getKeyPair().getPrivate(), own.getCertificatePath());
        }
        return builder.build();
    }

    private static TlsFailureCause clientSees(TlsHandshakes.Outcome outcome) {
        assertThat(outcome.client()).as("the client's handshake failed").isNotNull();
        return TlsFailureCause.of(outcome.client());
    }

    private static TlsFailureCause serverSees(TlsHandshakes.Outcome outcome) {
        assertThat(outcome.server()).as("the server's handshake failed").isNotNull();
        return TlsFailureCause.of(outcome.server());
    }

    @ParameterizedTest
    @EnumSource(value = SslProvider.class, names = {"JDK", "OPENSSL"})
    void aGoodHandshakeFailsNowhere(SslProvider p) throws Exception {
        TlsHandshakes.Outcome o = TlsHandshakes.run(client(p, ca, client), "localhost", server(p, server));
        assertThat(o.client()).isNull();
        assertThat(o.server()).isNull();
    }

    @ParameterizedTest
    @EnumSource(value = SslProvider.class, names = {"JDK", "OPENSSL"})
    void aServerOfAnotherCa(SslProvider p) throws Exception {
        TlsHandshakes.Outcome o = TlsHandshakes.run(client(p, otherCa, client), "localhost", server(p, server));
        assertThat(clientSees(o)).isEqualTo(TlsFailureCause.UNKNOWN_CA);
        assertThat(serverSees(o)).isEqualTo(TlsFailureCause.PEER_REFUSED);
    }

    @ParameterizedTest
    @EnumSource(value = SslProvider.class, names = {"JDK", "OPENSSL"})
    void anExpiredServerCertificate(SslProvider p) throws Exception {
        TlsHandshakes.Outcome o = TlsHandshakes.run(client(p, ca, client), "localhost", server(p, expiredServer));
        assertThat(clientSees(o)).isEqualTo(TlsFailureCause.EXPIRED);
        assertThat(serverSees(o)).isIn(TlsFailureCause.EXPIRED, TlsFailureCause.PEER_REFUSED);
    }

    @ParameterizedTest
    @EnumSource(value = SslProvider.class, names = {"JDK", "OPENSSL"})
    void aServerCertificateWithoutTheHostDialled(SslProvider p) throws Exception {
        TlsHandshakes.Outcome o = TlsHandshakes.run(client(p, ca, client), "127.0.0.2", server(p, server));
        assertThat(clientSees(o)).isEqualTo(TlsFailureCause.HOSTNAME_MISMATCH);
        assertThat(serverSees(o)).isEqualTo(TlsFailureCause.PEER_REFUSED);
    }

    @ParameterizedTest
    @EnumSource(value = SslProvider.class, names = {"JDK", "OPENSSL"})
    void noClientCertificate(SslProvider p) throws Exception {
        TlsHandshakes.Outcome o = TlsHandshakes.run(client(p, ca, null), "localhost", server(p, server));
        assertThat(serverSees(o)).isEqualTo(TlsFailureCause.NO_CLIENT_CERTIFICATE);
    }

    @ParameterizedTest
    @EnumSource(value = SslProvider.class, names = {"JDK", "OPENSSL"})
    void aClientCertificateOfAnotherTreeIsNotEvenSent(SslProvider p) throws Exception {
        TlsHandshakes.Outcome o = TlsHandshakes.run(client(p, ca, strangerClient), "localhost", server(p, server));
        assertThat(serverSees(o)).isEqualTo(TlsFailureCause.NO_CLIENT_CERTIFICATE);
    }

    @ParameterizedTest
    @EnumSource(value = SslProvider.class, names = {"JDK", "OPENSSL"})
    void aServerCertificateUsedByAClient(SslProvider p) throws Exception {
        TlsHandshakes.Outcome o = TlsHandshakes.run(client(p, ca, serverAsClient), "localhost", server(p, server));
        assertThat(serverSees(o)).isEqualTo(TlsFailureCause.WRONG_EKU);
    }

    @ParameterizedTest
    @EnumSource(value = SslProvider.class, names = {"JDK", "OPENSSL"})
    void noCommonProtocolVersion(SslProvider p) throws Exception {
        TlsHandshakes.Outcome o = TlsHandshakes.run(client(p, ca, client, "TLSv1.2"), "localhost",
                server(p, server, "TLSv1.3"));
        assertThat(clientSees(o)).isEqualTo(TlsFailureCause.PROTOCOL_VERSION);
        assertThat(serverSees(o)).isEqualTo(TlsFailureCause.PROTOCOL_VERSION);
    }

    @ParameterizedTest
    @EnumSource(value = SslProvider.class, names = {"JDK", "OPENSSL"})
    void plaintextHttp(SslProvider p) throws Exception {
        TlsHandshakes.Outcome o = TlsHandshakes.plaintextTo(server(p, server),
                "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(serverSees(o)).isEqualTo(TlsFailureCause.NOT_TLS);
    }

    @Test
    void connectionLevelCauses() {
        assertThat(TlsFailureCause.of(new SslHandshakeTimeoutException("handshake timed out after 10000ms")))
                .isEqualTo(TlsFailureCause.TIMEOUT);
        assertThat(TlsFailureCause.of(new ClosedChannelException())).isEqualTo(TlsFailureCause.CLOSED);
        assertThat(TlsFailureCause.of(new IOException("Connection reset by peer"))).isEqualTo(TlsFailureCause.CLOSED);
        assertThat(TlsFailureCause.of(new SSLException("something new"))).isEqualTo(TlsFailureCause.REFUSED);
    }

    @Test
    void summariesSayTheCauseInWordsAndNeverDumpThePeersBytes() {
        String dump = "47".repeat(10_000);
        assertThat(TlsFailureCause.summary(new DecoderException(new NotSslRecordException(
                "not an SSL/TLS record: " + dump)))).isEqualTo(TlsFailureCause.NOT_TLS.words());
        assertThat(TlsFailureCause.summary(new DecoderException(new SSLHandshakeException("x".repeat(500)))))
                .startsWith("the TLS handshake failed [SSLHandshakeException: xxx").endsWith("...]");
        assertThat(TlsFailureCause.summary(new SSLHandshakeException("Received fatal alert: unknown_ca")))
                .startsWith("certificate issued by an unknown CA");
    }
}
