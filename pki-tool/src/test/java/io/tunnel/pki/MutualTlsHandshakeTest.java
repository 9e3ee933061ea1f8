package io.tunnel.pki;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Mutual TLS 1.3 on loopback between Netty contexts built from the PEM files of {@code init}, with the JDK and
 * the OpenSSL (BoringSSL) provider: the right certificates are accepted, the wrong tree, the wrong kind and the
 * wrong host name are not.
 */
class MutualTlsHandshakeTest {

    private static final long TIMEOUT_SECONDS = 10;
    private static final String HOST = "localhost";

    @TempDir
    static Path dir;

    private static PkiLayout ec;
    private static PkiLayout rsa;
    private static EventLoopGroup group;

    /** What each side saw of one handshake. */
    private record Outcome(Future<Channel> client, Future<Channel> server, X509Certificate clientSeenByServer,
                           boolean clientDisconnected) {
    }

    @BeforeAll
    static void setUp() {
        ec = init("ec", KeyType.EC_P256);
        rsa = init("rsa", KeyType.RSA_3072);
        group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    }

    @AfterAll
    static void tearDown() {
        if (group != null) {
            assertThat(group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(TIMEOUT_SECONDS,
                    TimeUnit.SECONDS)).isTrue();
        }
    }

    private static PkiLayout init(String name, KeyType keyType) {
        Path base = dir.resolve(name);
        Cli init = Cli.run("init", "--dir", base.toString(), "--key-type", keyType.flagName());
        assertThat(init.exitCode()).as(init.toString()).isZero();
        return new PkiLayout(base);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = SslProvider.class, names = {"JDK", "OPENSSL"})
    void masterClientIsAcceptedByMasterServer(SslProvider provider) throws Exception {
        for (PkiLayout layout : List.of(ec, rsa)) {
            Outcome outcome = handshake(provider,
                    server(provider, layout, Tree.MASTER, PkiLayout.SERVER),
                    client(provider, layout, Tree.MASTER, Tree.MASTER, PkiLayout.CLIENT), HOST);

            assertThat(outcome.client().cause()).isNull();
            assertThat(outcome.server().cause()).isNull();
            assertThat(outcome.clientSeenByServer().getSubjectX500Principal().getName())
                    .isEqualTo("CN=" + PkiLayout.CLIENT);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = SslProvider.class, names = {"JDK", "OPENSSL"})
    void agentIsAcceptedByAgentServerWithItsIdentity(SslProvider provider) throws Exception {
        Outcome outcome = handshake(provider,
                server(provider, ec, Tree.AGENT, PkiLayout.SERVER),
                client(provider, ec, Tree.AGENT, Tree.AGENT, PkiLayout.AGENT), HOST);

        assertThat(outcome.client().cause()).isNull();
        assertThat(outcome.server().cause()).isNull();
        assertThat(outcome.clientSeenByServer().getSubjectAlternativeNames())
                .containsExactly(List.of(6, CertificateProfiles.AGENT_URI_PREFIX + InitRequest.DEFAULT_AGENT_ID));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = SslProvider.class, names = {"JDK", "OPENSSL"})
    void agentCertificateIsRejectedByMasterServer(SslProvider provider) throws Exception {
        Outcome outcome = handshake(provider,
                server(provider, ec, Tree.MASTER, PkiLayout.SERVER),
                client(provider, ec, Tree.MASTER, Tree.AGENT, PkiLayout.AGENT), HOST);

        assertRejectedByServer(outcome);
        assertThat(causes(outcome.server().cause()))
                .anyMatch(message -> message.contains("unable to find valid certification path"));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = SslProvider.class, names = {"JDK", "OPENSSL"})
    void serverCertificateIsRejectedAsClientCertificate(SslProvider provider) throws Exception {
        Outcome outcome = handshake(provider,
                server(provider, ec, Tree.MASTER, PkiLayout.SERVER),
                client(provider, ec, Tree.MASTER, Tree.MASTER, PkiLayout.SERVER), HOST);

        assertRejectedByServer(outcome);
        assertThat(causes(outcome.server().cause())).anyMatch(message ->
                message.contains("Extended key usage does not permit use for TLS client authentication"));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = SslProvider.class, names = {"JDK", "OPENSSL"})
    void clientCertificateIsRejectedAsServerCertificate(SslProvider provider) throws Exception {
        Outcome outcome = handshake(provider,
                server(provider, ec, Tree.MASTER, PkiLayout.CLIENT),
                client(provider, ec, Tree.MASTER, Tree.MASTER, PkiLayout.CLIENT), HOST);

        assertThat(outcome.client().cause()).as("client handshake").isNotNull();
        assertThat(causes(outcome.client().cause())).anyMatch(message ->
                message.contains("Extended key usage does not permit use for TLS server authentication"));
        assertThat(outcome.server().isSuccess()).as("server handshake").isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = SslProvider.class, names = {"JDK", "OPENSSL"})
    void serverIsRejectedForAHostNotInItsSans(SslProvider provider) throws Exception {
        Outcome outcome = handshake(provider,
                server(provider, ec, Tree.MASTER, PkiLayout.SERVER),
                client(provider, ec, Tree.MASTER, Tree.MASTER, PkiLayout.CLIENT), "not-in-the-sans.example");

        assertThat(outcome.client().cause()).as("client handshake").isNotNull();
        assertThat(causes(outcome.client().cause()))
                .anyMatch(message -> message.contains("No subject alternative DNS name matching"));
        assertThat(outcome.server().isSuccess()).as("server handshake").isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = SslProvider.class, names = {"JDK", "OPENSSL"})
    void serverOfTheOtherTreeIsRejectedByClient(SslProvider provider) throws Exception {
        Outcome outcome = handshake(provider,
                server(provider, ec, Tree.AGENT, PkiLayout.SERVER),
                client(provider, ec, Tree.MASTER, Tree.MASTER, PkiLayout.CLIENT), HOST);

        assertThat(outcome.client().cause()).as("client handshake").isNotNull();
        assertThat(causes(outcome.client().cause()))
                .anyMatch(message -> message.contains("unable to find valid certification path"));
        assertThat(outcome.server().isSuccess()).as("server handshake").isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = SslProvider.class, names = {"JDK", "OPENSSL"})
    void renewedCaAndCertificatesHandshakeBeforeAndAfterTheLeavesAreRenewed(SslProvider provider) throws Exception {
        PkiLayout layout = init("renewed-" + provider, KeyType.EC_P256);
        renew(layout, "--tree", "master", "--kind", "ca");

        Outcome oldLeaves = handshake(provider,
                server(provider, layout, Tree.MASTER, PkiLayout.SERVER),
                client(provider, layout, Tree.MASTER, Tree.MASTER, PkiLayout.CLIENT), HOST);
        renew(layout, "--tree", "master", "--kind", "server", "--name", PkiLayout.SERVER);
        renew(layout, "--tree", "master", "--kind", "client", "--name", PkiLayout.CLIENT, "--new-key");
        Outcome renewedLeaves = handshake(provider,
                server(provider, layout, Tree.MASTER, PkiLayout.SERVER),
                client(provider, layout, Tree.MASTER, Tree.MASTER, PkiLayout.CLIENT), HOST);

        for (Outcome outcome : List.of(oldLeaves, renewedLeaves)) {
            assertThat(outcome.client().cause()).isNull();
            assertThat(outcome.server().cause()).isNull();
            assertThat(outcome.clientSeenByServer().getSubjectX500Principal().getName())
                    .isEqualTo("CN=" + PkiLayout.CLIENT);
        }
        assertThat(renewedLeaves.clientSeenByServer().getSerialNumber())
                .isNotEqualTo(oldLeaves.clientSeenByServer().getSerialNumber());
        assertThat(renewedLeaves.clientSeenByServer().getPublicKey())
                .isNotEqualTo(oldLeaves.clientSeenByServer().getPublicKey());
    }

    private static void renew(PkiLayout layout, String... args) {
        List<String> all = new ArrayList<>(List.of("renew", "--dir", layout.base().toString()));
        all.addAll(List.of(args));
        Cli renew = Cli.run(all.toArray(String[]::new));
        assertThat(renew.exitCode()).as(renew.toString()).isZero();
    }

    /** In TLS 1.3 the client may finish before the server rejects its certificate; then it is disconnected. */
    private static void assertRejectedByServer(Outcome outcome) {
        assertThat(outcome.server().cause()).as("server handshake").isNotNull();
        assertThat(outcome.client().isSuccess() && !outcome.clientDisconnected())
                .as("client is refused or disconnected").isFalse();
    }

    private static SslContext server(SslProvider provider, PkiLayout layout, Tree tree, String name)
            throws Exception {
        return SslContextBuilder.forServer(layout.certificate(tree, name).toFile(),
                        layout.privateKey(tree, name).toFile())
                .sslProvider(provider)
                .trustManager(layout.certificate(tree, PkiLayout.CA).toFile())
                .clientAuth(ClientAuth.REQUIRE)
                .protocols("TLSv1.3")
                .build();
    }

    /**
     * A client that trusts {@code trusted}'s CA and presents {@code name} of {@code presented}, whichever CAs the
     * server asks for: a JDK key manager would otherwise send no certificate at all when the server names
     * another CA, and the server's own check would go untested.
     */
    private static SslContext client(SslProvider provider, PkiLayout layout, Tree trusted, Tree presented,
                                     String name) throws Exception {
        return SslContextBuilder.forClient()
                .sslProvider(provider)
                .keyManager(new AlwaysPresentKeyManager(
                        Pem.readPrivateKey(layout.privateKey(presented, name)),
                        Pem.readCertificates(layout.certificate(presented, name)).get(0)))
                .trustManager(layout.certificate(trusted, PkiLayout.CA).toFile())
                .endpointIdentificationAlgorithm("HTTPS")
                .protocols("TLSv1.3")
                .build();
    }

    /** Connects over loopback, waits (bounded) for both handshakes, closes everything and releases the contexts. */
    private static Outcome handshake(SslProvider provider, SslContext serverContext, SslContext clientContext,
                                     String host) throws Exception {
        if (provider == SslProvider.OPENSSL) {
            OpenSsl.ensureAvailability();
        }
        CompletableFuture<Channel> accepted = new CompletableFuture<>();
        CompletableFuture<SslHandler> serverHandler = new CompletableFuture<>();
        CompletableFuture<SslHandler> clientHandler = new CompletableFuture<>();
        Channel server = null;
        Channel client = null;
        try {
            ChannelFuture bound = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel channel) {
                            SslHandler handler = serverContext.newHandler(channel.alloc());
                            channel.pipeline().addLast(handler, CloseOnException.INSTANCE);
                            accepted.complete(channel);
                            serverHandler.complete(handler);
                        }
                    })
                    .bind(InetAddress.getLoopbackAddress(), 0);
            assertThat(bound.await(TIMEOUT_SECONDS, TimeUnit.SECONDS) && bound.isSuccess()).as("bound").isTrue();
            server = bound.channel();
            int port = ((InetSocketAddress) server.localAddress()).getPort();

            ChannelFuture connected = new Bootstrap()
                    .group(group)
                    .channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel channel) {
                            SslHandler handler = clientContext.newHandler(channel.alloc(), host, port);
                            channel.pipeline().addLast(handler, CloseOnException.INSTANCE);
                            clientHandler.complete(handler);
                        }
                    })
                    .connect(InetAddress.getLoopbackAddress(), port);
            assertThat(connected.await(TIMEOUT_SECONDS, TimeUnit.SECONDS) && connected.isSuccess())
                    .as("connected").isTrue();
            client = connected.channel();

            Future<Channel> clientHandshake = clientHandler.get(TIMEOUT_SECONDS, TimeUnit.SECONDS).handshakeFuture();
            SslHandler serverSide = serverHandler.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            Future<Channel> serverHandshake = serverSide.handshakeFuture();
            assertThat(clientHandshake.await(TIMEOUT_SECONDS, TimeUnit.SECONDS)).as("client handshake done").isTrue();
            assertThat(serverHandshake.await(TIMEOUT_SECONDS, TimeUnit.SECONDS)).as("server handshake done").isTrue();

            X509Certificate peer = null;
            boolean clientDisconnected = false;
            if (serverHandshake.isSuccess()) {
                peer = (X509Certificate) serverSide.engine().getSession().getPeerCertificates()[0];
            } else {
                clientDisconnected = client.closeFuture().await(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            }
            return new Outcome(clientHandshake, serverHandshake, peer, clientDisconnected);
        } finally {
            close(client);
            close(accepted.getNow(null));
            close(server);
            ReferenceCountUtil.release(serverContext);
            ReferenceCountUtil.release(clientContext);
        }
    }

    private static void close(Channel channel) throws InterruptedException {
        if (channel != null) {
            assertThat(channel.close().await(TIMEOUT_SECONDS, TimeUnit.SECONDS)).as("closed").isTrue();
        }
    }

    /** Ends the pipeline: a failed handshake closes the channel, the test reads the cause from its future. */
    @ChannelHandler.Sharable
    private static final class CloseOnException extends ChannelInboundHandlerAdapter {
        static final CloseOnException INSTANCE = new CloseOnException();

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** Offers its one certificate for any client-auth request, ignoring the CAs and key types asked for. */
    private static final class AlwaysPresentKeyManager extends X509ExtendedKeyManager {
        private static final String ALIAS = "client";
        private final PrivateKey key;
        private final X509Certificate certificate;

        AlwaysPresentKeyManager(PrivateKey key, X509Certificate certificate) {
            this.key = key;
            this.certificate = certificate;
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
            return ALIAS;
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
            return ALIAS;
        }

        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
            return new String[] {ALIAS};
        }

        @Override
        public String[] getServerAliases(String keyType, Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
            return null;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
            return ALIAS.equals(alias) ? new X509Certificate[] {certificate} : null;
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
            return ALIAS.equals(alias) ? key : null;
        }
    }

    private static List<String> causes(Throwable failure) {
        List<String> messages = new ArrayList<>();
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            messages.add(String.valueOf(cause.getMessage()));
        }
        return messages;
    }
}
