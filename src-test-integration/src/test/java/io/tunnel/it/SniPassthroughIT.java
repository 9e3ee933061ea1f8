package io.tunnel.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunnel.core.tls.ClientHellos;
import java.io.ByteArrayInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SNI passthrough frontend ({@code --sni-port}) with real TLS clients: openssl, curl and the JDK reach an HTTPS
 * server behind the agent by its server name and verify its own certificate (the tunnel never terminates TLS); every
 * refusal's TLS alert (or bare close) and access-log line; a ClientHello trickled byte by byte; a 100 MiB download,
 * byte-exact; and the PROXY protocol v2 header a destination reads ahead of the client's TLS.
 */
@ExtendWith(SharedTunnels.Extension.class)
class SniPassthroughIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String NAME = "private-api.internal";
    /**
     * The server's {@code --header-timeout}, the time a ClientHello may take: its default, which leaves the trickled
     * ClientHello (about a second) a wide margin on a busy machine.
     */
    private static final Duration HELLO_TIMEOUT = Duration.ofSeconds(10);
    private static final String SNI_PORT = "SNI passthrough frontend (\\d+) for (\\d+) server name\\(s\\)";
    /** A fatal alert record, as TlsAlert writes it, without its description byte. */
    private static final byte[] ALERT_HEAD = {21, 3, 3, 0, 2, 2};
    private static final int UNRECOGNIZED_NAME = 112;
    private static final int MISSING_EXTENSION = 109;
    private static final int HANDSHAKE_FAILURE = 40;
    /** The PROXY protocol v2 signature (proxy-protocol.txt §2.2). */
    private static final byte[] PROXY_V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54,
        0x0A};
    /** Version 2, command PROXY; TCP over IPv4; 12 address bytes. */
    private static final byte[] PROXY_V2_TCP4 = {0x21, 0x11, 0x00, 0x0C};

    @TempDir(cleanup = CleanupMode.ON_SUCCESS) // a failed run keeps the processes' logs
    static Path tmp;
    static TestPki pki;
    static SSLContext destinationTls;
    static SSLContext clientTls;
    static HttpDestination https;
    static TunnelFixture tunnel;
    static int sniPort;

    @BeforeAll
    static void start(SharedTunnels shared) throws Exception {
        for (String tool : List.of("curl", "openssl")) {
            assertThat(Commands.run(WAIT, List.of("bash", "-c", "command -v " + tool)).exitCode())
                    .as("%s must be installed (apt-get install -y curl openssl)", tool).isZero();
        }
        pki = shared.pki();
        pki.issue("master", "server", "sni-private-api", "--hosts", NAME);
        destinationTls = Pem.serverContext(pki.cert("master", "sni-private-api"), pki.key("master", "sni-private-api"));
        clientTls = Pem.trusting(pki.ca("master"));
        https = HttpDestination.https(InetAddress.getLoopbackAddress(), destinationTls);
        tunnel = TunnelFixture.builder(pki, tmp.resolve("logs")).plaintextFrontend()
                .serverArgs("--sni-port", "0", "--sni-bind-address", "127.0.0.1",
                        "--sni-route", NAME + "=127.0.0.1:" + https.port(),
                        "--header-timeout", HELLO_TIMEOUT.toSeconds() + "s")
                .start();
        sniPort = sniPort(tunnel, 1);
    }

    @AfterAll
    static void stop() {
        try (TunnelFixture a = tunnel; HttpDestination b = https) {
            // closed in reverse order; the jars are checked for leaks on close
        }
    }

    /** The SNI port the fixture's server logged, after checking it routes {@code names} server names. */
    private static int sniPort(TunnelFixture fixture, int names) {
        java.util.regex.Matcher m = fixture.server().awaitLog(SNI_PORT, TunnelFixture.START_TIMEOUT);
        assertThat(Integer.parseInt(m.group(2))).isEqualTo(names);
        return Integer.parseInt(m.group(1));
    }

    @Test
    void opensslVerifiesTheDestinationsOwnCertificateThroughTheFrontend() {
        int mark = tunnel.server().mark();
        Commands.Result r = Commands.run(WAIT, List.of("openssl", "s_client", "-connect", "127.0.0.1:" + sniPort,
                "-servername", NAME, "-verify_return_error", "-verify_hostname", NAME,
                "-CAfile", pki.ca("master").toString()));
        assertThat(r.exitCode()).as("%s", r).isZero();
        assertThat(r.stdout()).contains("Verify return code: 0 (ok)", "Verified peername: " + NAME);
        assertThat(awaitLine(mark, "sni:" + NAME + "->127.0.0.1:" + https.port())).containsEntry("status", "200");
    }

    @Test
    void curlConnectsToTheNameAndVerifiesItEndToEnd() {
        int mark = tunnel.server().mark();
        Commands.Result r = curl(pki.ca("master"));
        assertThat(r.exitCode()).as("%s", r).isZero();
        assertThat(r.stdout()).isEqualTo(HttpDestination.BODY);
        Map<String, String> line = awaitLine(mark, "sni:" + NAME + "->127.0.0.1:" + https.port());
        assertThat(line).containsEntry("status", "200");
        assertThat(Long.parseLong(line.get("down"))).as("the destination's TLS, relayed").isPositive();

        // The certificate curl checks is the destination's: a CA that did not sign it fails (60: peer not verified).
        Commands.Result other = curl(pki.ca("agent"));
        assertThat(other.exitCode()).as("%s", other).isEqualTo(60);
    }

    private static Commands.Result curl(Path ca) {
        return Commands.run(WAIT, List.of("curl", "-sS", "--max-time", "30",
                "--connect-to", NAME + ":443:127.0.0.1:" + sniPort, "--cacert", ca.toString(),
                "https://" + NAME + "/"));
    }

    @Test
    void anUnknownNameIsRefusedWithUnrecognizedName() throws Exception {
        int mark = tunnel.server().mark();
        double refusedBefore = requests("403");
        assertThat(refusal(ClientHellos.of("unknown.internal"))).isEqualTo(alert(UNRECOGNIZED_NAME));
        Map<String, String> line = awaitLine(mark, "sni:unknown.internal");
        assertThat(line).containsEntry("status", "403").containsEntry("end", "server name not routed");

        // openssl, as a client sees it.
        Commands.Result r = Commands.run(WAIT, List.of("openssl", "s_client", "-connect", "127.0.0.1:" + sniPort,
                "-servername", "unknown.internal", "-CAfile", pki.ca("master").toString()));
        assertThat(r.exitCode()).as("%s", r).isNotZero();
        assertThat(r.stdout() + r.stderr()).contains("unrecognized name", "alert number " + UNRECOGNIZED_NAME);
        assertThat(requests("403")).as("counted like refused CONNECTs").isEqualTo(refusedBefore + 2);
    }

    /** The server's {@code tunnel_server_connect_requests_total} of {@code status}, which SNI connections share. */
    private static double requests(String status) throws IOException, InterruptedException {
        String series = "tunnel_server_connect_requests_total{status=\"" + status + "\"} ";
        return tunnel.body(tunnel.healthPort(), "/metrics").lines().filter(l -> l.startsWith(series))
                .mapToDouble(l -> Double.parseDouble(l.substring(series.length()))).sum();
    }

    @Test
    void aClientHelloWithoutServerNameIsRefusedWithMissingExtension() throws IOException {
        int mark = tunnel.server().mark();
        assertThat(refusal(ClientHellos.of(null))).isEqualTo(alert(MISSING_EXTENSION));
        assertThat(awaitLine(mark, "sni:-")).containsEntry("status", "400")
                .containsEntry("end", "ClientHello without a server name");
    }

    @Test
    void plainHttpIsClosedWithoutAWord() throws IOException {
        int mark = tunnel.server().mark();
        byte[] get = ("GET / HTTP/1.1\r\nHost: " + NAME + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        assertThat(refusal(get)).as("no TLS, so no alert: the close alone").isEmpty();
        assertThat(awaitLine(mark, "sni:-")).containsEntry("status", "400")
                .containsEntry("end", "not a TLS ClientHello");
    }

    @Test
    void aClientHelloLargerThan16KiBIsRefusedWithHandshakeFailure() throws IOException {
        int mark = tunnel.server().mark();
        byte[] large = ClientHellos.large(NAME);
        assertThat(large.length).isGreaterThan(16 * 1024);
        assertThat(refusal(large)).isEqualTo(alert(HANDSHAKE_FAILURE));
        assertThat(awaitLine(mark, "sni:-")).containsEntry("status", "431")
                .containsEntry("end", "ClientHello larger than 16384 bytes");
    }

    @Test
    void aClientHelloNotCompleteWithinTheHeaderTimeoutIsClosed() throws IOException {
        int mark = tunnel.server().mark();
        byte[] hello = ClientHellos.of(NAME);
        assertThat(refusal(Arrays.copyOf(hello, hello.length / 2))).as("closed without an alert").isEmpty();
        assertThat(awaitLine(mark, "sni:-")).containsEntry("status", "408")
                .containsEntry("end", "ClientHello not complete within " + HELLO_TIMEOUT.toMillis() + " ms");
    }

    /** Each byte of the ClientHello in a write (and a TCP segment) of its own, well within the header timeout. */
    @Test
    void aClientHelloTrickledByteByByteIsRoutedAndWorks() throws Exception {
        int mark = tunnel.server().mark();
        TrickleSocket raw = new TrickleSocket();
        raw.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), sniPort));
        try (SSLSocket tls = tls(clientTls, raw, NAME)) {
            tls.getOutputStream().write(("GET / HTTP/1.1\r\nHost: " + NAME + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            tls.getOutputStream().flush();
            String answer = new String(tls.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(answer).startsWith("HTTP/1.1 200 ").endsWith(HttpDestination.BODY);
        }
        assertThat(raw.trickled()).as("bytes of the ClientHello written one by one")
                .isGreaterThan(ClientHellos.of(NAME).length / 2);
        assertThat(awaitLine(mark, "sni:" + NAME + "->127.0.0.1:" + https.port())).containsEntry("status", "200");
    }

    @Test
    void aHundredMiBDownloadIsByteExact() throws Exception {
        long size = 100L * 1024 * 1024;
        int mark = tunnel.server().mark();
        int clientPort;
        try (SSLSocket tls = tls(clientTls, new Socket(InetAddress.getLoopbackAddress(), sniPort), NAME)) {
            clientPort = tls.getLocalPort();
            tls.getOutputStream().write(("GET /bytes?n=" + size + " HTTP/1.1\r\nHost: " + NAME
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            tls.getOutputStream().flush();
            InputStream in = tls.getInputStream();
            assertThat(ConnectSocket.readHead(in)).startsWith("HTTP/1.1 200 ");
            assertThat(Pattern.digest(in)).isEqualTo(Pattern.Digest.of(size));
        }
        // This client's line: another test's stream to the same route may end after the mark.
        String target = "sni:" + NAME + "->127.0.0.1:" + https.port();
        Map<String, String> line = AccessLines.await(tunnel.server(), mark, 1, l -> target.equals(l.get("target"))
                && ("127.0.0.1:" + clientPort).equals(l.get("client")), WAIT).get(0);
        assertThat(line).containsEntry("status", "200");
        assertThat(Long.parseLong(line.get("down"))).as("the download and its TLS records").isGreaterThan(size);
    }

    /** The destination reads the PROXY protocol v2 header, then completes the client's TLS handshake. */
    @Test
    void withTheProxyProtocolTheDestinationReadsTheClientsAddressFirst() throws Exception {
        CompletableFuture<byte[]> header = new CompletableFuture<>();
        try (ServerSocket destination = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
            CompletableFuture.runAsync(() -> servePastProxyHeader(destination, header));
            try (TunnelFixture proxied = TunnelFixture.builder(pki, tmp.resolve("logs-proxy-protocol"))
                    .plaintextFrontend()
                    .serverArgs("--sni-port", "0", "--sni-bind-address", "127.0.0.1", "--sni-proxy-protocol",
                            "--sni-route", NAME + "=127.0.0.1:" + destination.getLocalPort())
                    .start()) {
                int port = sniPort(proxied, 1);
                assertThat(proxied.server().output()).contains("with a PROXY protocol v2 header to each destination");
                Socket raw = new Socket(InetAddress.getLoopbackAddress(), port);
                int clientPort = raw.getLocalPort();
                try (SSLSocket tls = tls(clientTls, raw, NAME)) {
                    assertThat(new String(tls.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
                            .as("the destination's TLS, after the header").isEqualTo(TcpDestination.GREETING);
                }
                ByteBuffer expected = ByteBuffer.allocate(28).put(PROXY_V2_SIGNATURE).put(PROXY_V2_TCP4)
                        .put(new byte[] {127, 0, 0, 1}).put(new byte[] {127, 0, 0, 1})
                        .putShort((short) clientPort).putShort((short) port);
                assertThat(header.get(30, TimeUnit.SECONDS)).as("source: the client's address and port; "
                        + "destination: the SNI frontend's").isEqualTo(expected.array());
            }
        }
    }

    /**
     * Accepts one connection, reads the 28 bytes of a PROXY v2 TCP4 header into {@code header}, then serves TLS on
     * the rest of it: a greeting, then the close.
     */
    private static void servePastProxyHeader(ServerSocket destination, CompletableFuture<byte[]> header) {
        try (Socket accepted = destination.accept()) {
            header.complete(accepted.getInputStream().readNBytes(28));
            try (SSLSocket tls = (SSLSocket) destinationTls.getSocketFactory()
                    .createSocket(accepted, new ByteArrayInputStream(new byte[0]), true)) {
                tls.setUseClientMode(false);
                tls.getOutputStream().write(TcpDestination.GREETING.getBytes(StandardCharsets.US_ASCII));
                tls.getOutputStream().flush();
            }
        } catch (IOException e) {
            header.completeExceptionally(e);
        }
    }

    /** TLS over {@code raw} for {@code name}: its server name sent, the certificate checked against it. */
    private static SSLSocket tls(SSLContext context, Socket raw, String name) throws IOException {
        raw.setSoTimeout((int) WAIT.toMillis());
        SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(raw, name, 443, true);
        SSLParameters parameters = tls.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        tls.setSSLParameters(parameters);
        tls.startHandshake();
        return tls;
    }

    /** Writes {@code bytes} to the SNI frontend and reads all it answers until it closes the connection. */
    private static byte[] refusal(byte[] bytes) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), sniPort)) {
            socket.setSoTimeout((int) WAIT.toMillis());
            socket.getOutputStream().write(bytes);
            socket.getOutputStream().flush();
            return socket.getInputStream().readAllBytes();
        }
    }

    private static byte[] alert(int description) {
        byte[] alert = Arrays.copyOf(ALERT_HEAD, ALERT_HEAD.length + 1);
        alert[ALERT_HEAD.length] = (byte) description;
        return alert;
    }

    /** The one access line after {@code mark} with {@code target}. */
    private static Map<String, String> awaitLine(int mark, String target) {
        List<Map<String, String>> lines = AccessLines.await(tunnel.server(), mark, 1,
                l -> target.equals(l.get("target")), WAIT);
        assertThat(lines).as("one access line for %s", target).hasSize(1);
        return lines.get(0);
    }

    /**
     * A socket whose first write (a TLS client's ClientHello) goes out one byte per write, each flushed in a segment
     * of its own after a short pause; later writes go out whole.
     */
    private static final class TrickleSocket extends Socket {
        private static final long PAUSE_MILLIS = 1;
        private final AtomicInteger trickled = new AtomicInteger();
        private boolean first = true;

        TrickleSocket() throws IOException {
            setTcpNoDelay(true);
        }

        int trickled() {
            return trickled.get();
        }

        @Override
        public OutputStream getOutputStream() throws IOException {
            return new FilterOutputStream(super.getOutputStream()) {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    if (!first) {
                        out.write(b, off, len);
                        return;
                    }
                    first = false;
                    for (int i = 0; i < len; i++) {
                        out.write(b[off + i]);
                        out.flush();
                        trickled.incrementAndGet();
                        pause();
                    }
                }
            };
        }

        private static void pause() throws InterruptedIOException {
            try {
                Thread.sleep(PAUSE_MILLIS); // the slow client's pace, not a test's wait
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("trickle interrupted");
            }
        }
    }
}
