package io.tunnel.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import io.tunnel.client.DialRefusedException;
import io.tunnel.client.NoAgentException;
import io.tunnel.client.ProxyUnreachableException;
import io.tunnel.client.TunnelClient;
import io.tunnel.client.TunnelClientConfig;
import io.tunnel.client.TunnelException;
import io.tunnel.core.tls.TlsProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tunnel-client library against the real server and agent jars: {@code dialChannel} and {@code dialSocket} over
 * the mTLS frontend (pki-tool's proxy-client certificate) and the plaintext one, and every typed failure.
 */
@ExtendWith(SharedTunnels.Extension.class)
class TunnelClientIT {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    static Path tmp;
    static TestPki pki;
    static TunnelFixture mtls;
    static TunnelFixture plain;
    /** The mTLS frontend on the JDK's TLS (the others run on OpenSSL, the default): this class's own. */
    static TunnelFixture jdk;
    static HttpDestination http;
    static TcpDestination sink;
    static TcpDestination greeter;
    static TunnelClient mtlsClient;
    static TunnelClient plainClient;

    @BeforeAll
    static void start(SharedTunnels shared) throws Exception {
        pki = shared.pki();
        http = HttpDestination.http();
        sink = TcpDestination.start(TcpDestination.Mode.SINK);
        greeter = TcpDestination.start(TcpDestination.Mode.GREETER);
        mtls = shared.mtls();
        plain = shared.plain();
        jdk = TunnelFixture.builder(pki, tmp.resolve("logs-jdk")).serverArgs("--frontend-tls-provider", "JDK").start();
        mtlsClient = new TunnelClient(mtlsConfig(mtls.frontendPort()).build());
        plainClient = new TunnelClient(TunnelClientConfig.builder().proxy("127.0.0.1", plain.frontendPort()).build());
    }

    @AfterAll
    static void stop() throws Exception {
        try (TunnelFixture g = jdk; HttpDestination c = http;
             TcpDestination d = sink; TcpDestination h = greeter; TunnelClient e = mtlsClient;
             TunnelClient f = plainClient) {
            // closed in reverse order; the jars are checked for leaks on close
        }
    }

    private static TunnelClientConfig.Builder mtlsConfig(int port) {
        // "localhost": the name pki-tool put in the frontend certificate, checked by the client.
        return TunnelClientConfig.builder().proxy("localhost", port)
                .mutualTls(pki.ca("master"), pki.cert("master", "proxy-client"), pki.key("master", "proxy-client"));
    }

    private static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + http.port() + "\r\nConnection: close\r\n\r\n";
    }

    /** GET over a tunnel channel: the whole response, read until the destination closes. */
    private static String getOverChannel(TunnelClient client) throws Exception {
        Future<Channel> dial = client.dialChannel("127.0.0.1", http.port());
        assertThat(dial.await(WAIT.toMillis())).isTrue();
        if (!dial.isSuccess()) {
            throw new AssertionError("dial failed", dial.cause());
        }
        Channel ch = dial.getNow();
        assertThat(ch.config().isAutoRead()).isFalse();
        ResponseCollector collector = new ResponseCollector();
        ch.eventLoop().submit(() -> {
            ch.pipeline().addLast(collector);
            ch.config().setAutoRead(true);
            ch.writeAndFlush(Unpooled.copiedBuffer(get("/"), StandardCharsets.US_ASCII));
        }).sync();
        try {
            return collector.response.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } finally {
            ch.close().sync();
        }
    }

    /** GET over a tunnel socket. */
    private static String getOverSocket(TunnelClient client) throws IOException {
        try (Socket socket = client.dialSocket("127.0.0.1", http.port())) {
            socket.setSoTimeout((int) WAIT.toMillis());
            socket.getOutputStream().write(get("/").getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void channelThroughMutualTlsFrontend() throws Exception {
        assertThat(getOverChannel(mtlsClient)).startsWith("HTTP/1.1 200").endsWith(HttpDestination.BODY);
    }

    @Test
    void channelThroughPlaintextFrontend() throws Exception {
        assertThat(getOverChannel(plainClient)).startsWith("HTTP/1.1 200").endsWith(HttpDestination.BODY);
    }

    @Test
    void socketThroughMutualTlsFrontend() throws Exception {
        assertThat(getOverSocket(mtlsClient)).startsWith("HTTP/1.1 200").endsWith(HttpDestination.BODY);
    }

    @Test
    void socketThroughPlaintextFrontend() throws Exception {
        assertThat(getOverSocket(plainClient)).startsWith("HTTP/1.1 200").endsWith(HttpDestination.BODY);
    }

    @Test
    void socketCarriesHalfCloseAndBulkData() throws Exception {
        assertHalfCloseCarried(plainClient);
    }

    /**
     * Over TLS a half-close is a close_notify, then FIN. Netty's OpenSSL engine (the frontend's default) closes both
     * directions on a close_notify, so a server run with {@code --frontend-tls-provider JDK} is what carries it.
     */
    @Test
    void socketThroughMutualTlsCarriesHalfCloseWithTheJdkFrontend() throws Exception {
        try (TunnelClient client = new TunnelClient(mtlsConfig(jdk.frontendPort()).build())) {
            assertThat(jdk.server().output()).contains("(frontend JDK)");
            assertHalfCloseCarried(client);
        }
    }

    /**
     * The destination half-closes first; the client's upload after that arrives whole and at once, on either TLS
     * frontend. (With OpenSSL's engine in the mode Netty picks by default, the tail of such an upload stayed in the
     * engine until more bytes came from the client, and was lost if a FIN came instead.)
     */
    @Test
    void socketThroughMutualTlsUploadOutlivesTheDestinationsHalfClose() throws Exception {
        for (TunnelFixture tunnel : new TunnelFixture[] {mtls, jdk}) {
            try (TunnelClient client = new TunnelClient(mtlsConfig(tunnel.frontendPort()).build());
                 Socket socket = client.dialSocket("127.0.0.1", greeter.port())) {
                socket.setSoTimeout((int) WAIT.toMillis());
                assertThat(new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
                        .as("the greeting, then the end of the destination's output").isEqualTo(TcpDestination.GREETING);
                long n = 4L * 1024 * 1024 + 1_000;
                long before = greeter.bytesRead();
                Pattern.write(socket.getOutputStream(), n);
                Await.until("the destination to read all " + n + " bytes, before any end of input",
                        Duration.ofSeconds(5), () -> greeter.bytesRead() - before == n);
                socket.shutdownOutput();
                assertThat(greeter.received().poll(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                        .as("what the destination read through %s", tunnel.server()).isEqualTo(Pattern.Digest.of(n));
            }
        }
    }

    /**
     * A TLS close_notify without a TCP FIN (Go's {@code CloseWrite}, Python's {@code unwrap}) ends the client's input
     * like a FIN, on either TLS frontend. The client runs the JDK's TLS so that it can send after the proxy's
     * close_notify.
     */
    @Test
    void channelThroughMutualTlsCloseNotifyAloneEndsTheUpload() throws Exception {
        for (TunnelFixture tunnel : new TunnelFixture[] {mtls, jdk}) {
            TunnelClientConfig config = mtlsConfig(tunnel.frontendPort()).tlsProvider(TlsProvider.JDK)
                    .allowHalfClosure(true).build();
            try (TunnelClient client = new TunnelClient(config)) {
                ResponseCollector collector = new ResponseCollector();
                Channel ch = dialCollecting(client, greeter.port(), collector);
                assertThat(collector.response.get(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                        .isEqualTo(TcpDestination.GREETING);
                long n = 1024 * 1024 + 7;
                writePattern(ch, n);
                ch.pipeline().get(SslHandler.class).closeOutbound().sync(); // close_notify, and no FIN
                assertThat(greeter.received().poll(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                        .as("what the destination read through %s", tunnel.server()).isEqualTo(Pattern.Digest.of(n));
                ch.close().sync();
            }
        }
    }

    /**
     * The OpenSSL frontend cannot send after the client's close_notify, so a download the client half-closed in the
     * middle must end at once (the server resets the stream and closes the socket), not hang with the server's writes
     * failing unseen.
     */
    @Test
    void socketThroughMutualTlsHalfClosedMidDownloadEndsWithTheOpenSslFrontend() throws Exception {
        int clientPort;
        int mark = mtls.server().mark();
        try (Socket socket = mtlsClient.dialSocket("127.0.0.1", http.port())) {
            clientPort = socket.getLocalPort();
            socket.setSoTimeout((int) WAIT.toMillis());
            socket.getOutputStream().write(get("/bytes?n=" + (1L << 40)).getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            assertThat(ConnectSocket.readHead(in)).startsWith("HTTP/1.1 200");
            assertThat(in.readNBytes(1 << 20)).hasSize(1 << 20);
            socket.shutdownOutput();
            assertThat(drainUntilEnd(in)).as("how the download ended").isNotEqualTo("timed out");
        }
        String line = mtls.server().awaitLogSince(mark, "access - client=127\\.0\\.0\\.1:" + clientPort + " .*",
                Duration.ofSeconds(5)).group();
        assertThat(line).as("the access log names why the stream ended")
                .contains("end=\"CANCEL (socket write failed: SSLEngine closed already)\"");
    }

    /** Reads until the stream ends: "eof", "reset", or "timed out" if nothing ended it within the socket timeout. */
    private static String drainUntilEnd(InputStream in) throws IOException {
        byte[] buf = new byte[64 * 1024];
        try {
            while (in.read(buf) >= 0) {
                // discard what was already in flight
            }
            return "eof";
        } catch (SocketTimeoutException e) {
            return "timed out";
        } catch (IOException e) {
            return "reset";
        }
    }

    private static void assertHalfCloseCarried(TunnelClient client) throws Exception {
        long n = 8L * 1024 * 1024;
        try (Socket socket = client.dialSocket("127.0.0.1", sink.port())) {
            socket.setSoTimeout((int) WAIT.toMillis());
            Pattern.write(socket.getOutputStream(), n);
            socket.shutdownOutput(); // the sink answers only after the end of its input
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(Pattern.Digest.parse(answer)).isEqualTo(Pattern.Digest.of(n));
        }
    }

    @Test
    void socketThroughMutualTlsCarriesBulkData() throws Exception {
        long n = 16L * 1024 * 1024;
        try (Socket socket = mtlsClient.dialSocket("127.0.0.1", http.port())) {
            socket.setSoTimeout((int) WAIT.toMillis());
            socket.getOutputStream().write(get("/bytes?n=" + n).getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            assertThat(ConnectSocket.readHead(in)).startsWith("HTTP/1.1 200");
            assertThat(Pattern.digest(in)).isEqualTo(Pattern.Digest.of(n));
        }
    }

    @Test
    void channelCarriesHalfCloseAndBulkData() throws Exception {
        long n = 8L * 1024 * 1024;
        TunnelClientConfig config = TunnelClientConfig.builder().proxy("127.0.0.1", plain.frontendPort())
                .allowHalfClosure(true).build();
        try (TunnelClient client = new TunnelClient(config)) {
            ResponseCollector collector = new ResponseCollector();
            Channel ch = dialCollecting(client, sink.port(), collector);
            writePattern(ch, n);
            ((DuplexChannel) ch).shutdownOutput().sync();
            String answer = collector.response.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(Pattern.Digest.parse(answer)).isEqualTo(Pattern.Digest.of(n));
            ch.close().sync();
        }
    }

    @Test
    void closedPortIsDialRefused() throws Exception {
        int closed = closedPort();
        for (TunnelClient client : new TunnelClient[] {plainClient, mtlsClient}) {
            assertRefused(() -> client.dialSocket("127.0.0.1", closed), "127.0.0.1:" + closed);
            assertRefused(() -> awaitChannel(client.dialChannel("127.0.0.1", closed)), "127.0.0.1:" + closed);
        }
    }

    @Test
    void unresolvableNameIsDialRefused() throws Exception {
        for (TunnelClient client : new TunnelClient[] {plainClient, mtlsClient}) {
            assertRefused(() -> client.dialSocket("no-such-host.invalid", 80), "no-such-host.invalid:80");
            assertRefused(() -> awaitChannel(client.dialChannel("no-such-host.invalid", 80)),
                    "no-such-host.invalid:80");
        }
    }

    @Test
    void withoutAgentIsNoAgent() throws Exception {
        try (TunnelFixture noAgent = TunnelFixture.builder(pki, tmp.resolve("logs-no-agent")).withoutAgent().start();
             TunnelClient client = new TunnelClient(mtlsConfig(noAgent.frontendPort()).build())) {
            assertThatThrownBy(() -> client.dialSocket("127.0.0.1", http.port()))
                    .isInstanceOf(NoAgentException.class)
                    .hasMessage("proxy answered 503 Service Unavailable for 127.0.0.1:" + http.port());
            assertThatThrownBy(() -> awaitChannel(client.dialChannel("127.0.0.1", http.port())))
                    .isInstanceOf(NoAgentException.class)
                    .satisfies(e -> assertThat(((TunnelException) e).status()).hasValue(503));
        }
    }

    @Test
    void closedProxyPortIsUnreachable() throws Exception {
        int closed = closedPort();
        try (TunnelClient client = new TunnelClient(TunnelClientConfig.builder().proxy("127.0.0.1", closed).build())) {
            assertThatThrownBy(() -> client.dialSocket("127.0.0.1", http.port()))
                    .isInstanceOf(ProxyUnreachableException.class)
                    .hasMessageStartingWith("cannot reach proxy 127.0.0.1:" + closed);
            assertThatThrownBy(() -> awaitChannel(client.dialChannel("127.0.0.1", http.port())))
                    .isInstanceOf(ProxyUnreachableException.class)
                    .hasMessageStartingWith("cannot reach proxy 127.0.0.1:" + closed);
        }
    }

    @Test
    void mutualTlsFrontendRefusesAClientWithoutCertificate() throws Exception {
        TunnelClientConfig config = TunnelClientConfig.builder().proxy("localhost", mtls.frontendPort())
                .tls(pki.ca("master")).build();
        try (TunnelClient client = new TunnelClient(config)) {
            assertThatThrownBy(() -> client.dialSocket("127.0.0.1", http.port()))
                    .isInstanceOf(TunnelException.class);
            assertThatThrownBy(() -> awaitChannel(client.dialChannel("127.0.0.1", http.port())))
                    .isInstanceOf(TunnelException.class);
        }
    }

    @Test
    void proxyCertificateMustChainToTheGivenCa() throws Exception {
        // The agent tree's CA did not issue the frontend's certificate. (No client certificate: with one, the client
        // would refuse to start, as the agent tree's CA did not issue that either.)
        TunnelClientConfig config = TunnelClientConfig.builder().proxy("localhost", mtls.frontendPort())
                .tls(pki.ca("agent")).build();
        try (TunnelClient client = new TunnelClient(config)) {
            assertThatThrownBy(() -> client.dialSocket("127.0.0.1", http.port()))
                    .isInstanceOf(ProxyUnreachableException.class).hasMessageContaining("TLS handshake");
            assertThatThrownBy(() -> awaitChannel(client.dialChannel("127.0.0.1", http.port())))
                    .isInstanceOf(ProxyUnreachableException.class).hasMessageContaining("TLS handshake");
        }
    }

    private interface Dial {
        Object run() throws Exception;
    }

    private static void assertRefused(Dial dial, String target) {
        assertThatThrownBy(dial::run)
                .isInstanceOf(DialRefusedException.class)
                .hasMessage("proxy answered 502 Bad Gateway for " + target)
                .satisfies(e -> {
                    assertThat(((TunnelException) e).status()).hasValue(502);
                    assertThat(((TunnelException) e).target()).isEqualTo(target);
                });
    }

    /** Dials 127.0.0.1:{@code port} and starts reading into {@code collector}. */
    private static Channel dialCollecting(TunnelClient client, int port, ResponseCollector collector) throws Exception {
        Future<Channel> dial = client.dialChannel("127.0.0.1", port);
        assertThat(dial.await(WAIT.toMillis()) && dial.isSuccess()).as("dialled: %s", dial.cause()).isTrue();
        Channel ch = dial.getNow();
        ch.eventLoop().submit(() -> {
            ch.pipeline().addLast(collector);
            ch.config().setAutoRead(true);
        }).sync();
        return ch;
    }

    private static void writePattern(Channel ch, long n) throws Exception {
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        Pattern.write(payload, n);
        ch.writeAndFlush(Unpooled.wrappedBuffer(payload.toByteArray())).sync();
    }

    private static Channel awaitChannel(Future<Channel> dial) throws Exception {
        assertThat(dial.await(WAIT.toMillis())).as("dial completed").isTrue();
        if (dial.cause() instanceof Exception e) {
            throw e;
        }
        Channel ch = dial.getNow();
        ch.close();
        return ch;
    }

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Collects what a tunnel channel reads until its input ends or it closes. */
    private static final class ResponseCollector extends ChannelInboundHandlerAdapter {
        final CompletableFuture<String> response = new CompletableFuture<>();
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            try {
                buf.readBytes(bytes, buf.readableBytes());
            } catch (IOException e) {
                response.completeExceptionally(e);
            } finally {
                buf.release();
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt == ChannelInputShutdownEvent.INSTANCE) {
                response.complete(bytes.toString(StandardCharsets.ISO_8859_1));
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            response.complete(bytes.toString(StandardCharsets.ISO_8859_1));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            response.completeExceptionally(cause);
            ctx.close();
        }
    }
}
