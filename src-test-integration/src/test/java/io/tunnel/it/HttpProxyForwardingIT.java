package io.tunnel.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The server as an {@code http_proxy}: absolute-form requests ({@code GET http://…}) from real clients, forwarded
 * through the real agent to local HTTP services. curl ({@code -x} and {@code http_proxy}), wget, Python's
 * {@code urllib.request} and the JDK {@code HttpClient} against the plaintext frontend; curl against the mTLS
 * frontend; a POST body by length and a chunked upload; one client connection kept alive across two destinations;
 * an {@code https://} target refused with 400.
 */
@ExtendWith(SharedTunnels.Extension.class)
class HttpProxyForwardingIT {
    private static final Duration CMD = Duration.ofSeconds(30);

    static TestPki pki;
    static TunnelFixture mtls;
    static TunnelFixture plain;
    static EchoService first;
    static EchoService second;

    @BeforeAll
    static void start(SharedTunnels shared) throws Exception {
        pki = shared.pki();
        mtls = shared.mtls();
        plain = shared.plain();
        first = new EchoService();
        second = new EchoService();
    }

    @AfterAll
    static void stop() {
        try (EchoService a = first; EchoService b = second) {
            // closed in reverse order
        }
    }

    private static String plainProxy() {
        return "http://127.0.0.1:" + plain.frontendPort();
    }

    private static String url(EchoService service, String path) {
        return "http://127.0.0.1:" + service.port() + path;
    }

    private static Map<String, String> proxyEnv() {
        return Map.of("http_proxy", plainProxy(), "HTTP_PROXY", plainProxy(), "no_proxy", "", "NO_PROXY", "");
    }

    private static Commands.Result ok(Commands.Result r) {
        assertThat(r.exitCode()).as(r.toString()).isZero();
        return r;
    }

    /** The server's access line for a forwarded request to {@code service}'s {@code path}, after {@code mark}. */
    private static void awaitAccessLine(TunnelFixture tunnel, int mark, String method, EchoService service,
                                        String path, int status) {
        tunnel.server().awaitLogSince(mark, "method=" + method + " target=http://127\\.0\\.0\\.1:" + service.port()
                + java.util.regex.Pattern.quote(path) + " agent=agent-1 stream=\\d+ status=" + status + " ", CMD);
    }

    @Test
    void curlWithProxyOptionGetsTheResponseWithVia() {
        int mark = plain.server().mark();
        Commands.Result r = ok(Commands.run(CMD, List.of("curl", "-sS", "-i", "--max-time", "20", "-x", plainProxy(),
                url(first, "/hello?q=1"))));
        assertThat(r.stdout()).startsWith("HTTP/1.1 200 ").containsIgnoringCase("via: 1.1 tunnel")
                .endsWith("GET /hello?q=1 via=1.1 tunnel host=127.0.0.1:" + first.port() + " length=0\n");
        awaitAccessLine(plain, mark, "GET", first, "/hello", 200);
    }

    @Test
    void curlWithHttpProxyVariable() {
        Commands.Result r = ok(Commands.run(CMD, proxyEnv(), null, List.of("curl", "-sS", "--max-time", "20",
                url(first, "/env"))));
        assertThat(r.stdout()).startsWith("GET /env via=1.1 tunnel");
    }

    @Test
    void wgetWithHttpProxyVariable() {
        Commands.Result r = ok(Commands.run(CMD, proxyEnv(), null, List.of("wget", "-q", "-O", "-", "--tries=1",
                "--timeout=20", url(first, "/wget"))));
        assertThat(r.stdout()).startsWith("GET /wget via=1.1 tunnel");
    }

    @Test
    void pythonUrllibWithHttpProxyVariable() {
        String script = "import sys, urllib.request\n"
                + "print(urllib.request.urlopen(sys.argv[1], timeout=20).read().decode(), end='')\n"
                + "req = urllib.request.Request(sys.argv[1], data=b'from python', method='POST')\n"
                + "print(urllib.request.urlopen(req, timeout=20).read().decode(), end='')\n";
        Commands.Result r = ok(Commands.run(CMD, proxyEnv(), null, List.of("python3", "-c", script,
                url(first, "/py"))));
        assertThat(r.stdout()).isEqualTo("GET /py via=1.1 tunnel host=127.0.0.1:" + first.port() + " length=0\n"
                + "POST /py via=1.1 tunnel host=127.0.0.1:" + first.port() + " length=11\nfrom python");
    }

    @Test
    void jdkHttpClientWithProxySelector() throws Exception {
        HttpClient client = HttpClient.newBuilder()
                .proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", plain.frontendPort())))
                .connectTimeout(Duration.ofSeconds(20)).build();
        HttpResponse<String> get = client.send(HttpRequest.newBuilder(URI.create(url(first, "/jdk")))
                .timeout(CMD).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(get.statusCode()).isEqualTo(200);
        assertThat(get.headers().firstValue("via")).hasValue("1.1 tunnel");
        assertThat(get.body()).startsWith("GET /jdk via=1.1 tunnel");

        HttpResponse<String> post = client.send(HttpRequest.newBuilder(URI.create(url(second, "/jdk")))
                .POST(HttpRequest.BodyPublishers.ofString("jdk body")).timeout(CMD).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(post.body()).endsWith("length=8\njdk body");
    }

    @Test
    void aPostBodyByLengthAndAChunkedUploadReachTheDestinationWhole() throws Exception {
        byte[] data = new byte[3 * 1024 * 1024 + 7];
        new java.util.Random(14).nextBytes(data);
        Path file = Files.createTempFile("h9-upload", ".bin");
        try {
            Files.write(file, data);
            String digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
            int mark = plain.server().mark();
            Commands.Result byLength = ok(Commands.run(CMD, List.of("curl", "-sS", "--max-time", "20",
                    "-x", plainProxy(), "--data-binary", "@" + file, url(first, "/digest"))));
            assertThat(byLength.stdout()).isEqualTo("POST /digest length=" + data.length + " sha256=" + digest + "\n");
            awaitAccessLine(plain, mark, "POST", first, "/digest", 200);

            Commands.Result chunked = ok(Commands.run(CMD, List.of("curl", "-sS", "--max-time", "20",
                    "-x", plainProxy(), "-H", "Transfer-Encoding: chunked", "--data-binary", "@" + file,
                    url(first, "/digest"))));
            assertThat(chunked.stdout()).isEqualTo("POST /digest length=" + data.length + " sha256=" + digest
                    + " chunked\n");
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void oneClientConnectionServesTwoDestinationsInTurn() {
        int mark = plain.server().mark();
        Commands.Result r = ok(Commands.run(CMD, List.of("curl", "-sS", "-v", "--max-time", "20", "-x", plainProxy(),
                url(first, "/one"), url(second, "/two"), url(first, "/three"))));
        assertThat(r.stdout()).isEqualTo(
                "GET /one via=1.1 tunnel host=127.0.0.1:" + first.port() + " length=0\n"
                        + "GET /two via=1.1 tunnel host=127.0.0.1:" + second.port() + " length=0\n"
                        + "GET /three via=1.1 tunnel host=127.0.0.1:" + first.port() + " length=0\n");
        assertThat(r.stderr()).containsIgnoringCase("re-using existing");
        List<Map<String, String>> lines = AccessLines.await(plain.server(), mark, 3,
                l -> "GET".equals(l.get("method")) && l.get("target").matches("http://.*/(one|two|three)"), CMD);
        assertThat(lines).extracting(l -> l.get("client")).as("one client connection").containsOnly(
                lines.get(0).get("client"));
        assertThat(lines).extracting(l -> l.get("target")).containsExactly(url(first, "/one"),
                url(second, "/two"), url(first, "/three"));
    }

    @Test
    void anHttpsTargetIsAnswered400TellingToUseConnect() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", plain.frontendPort())) {
            socket.setSoTimeout(20_000);
            socket.getOutputStream().write(("GET https://127.0.0.1:" + first.port() + "/secret HTTP/1.1\r\n"
                    + "Host: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(answer).startsWith("HTTP/1.1 400 Bad Request\r\n").contains("use CONNECT")
                    .doesNotContain("secret");
        }
    }

    @Test
    void curlThroughTheMutualTlsFrontend() {
        int mark = mtls.server().mark();
        List<String> command = new ArrayList<>(List.of("curl", "-sS", "--max-time", "20",
                "--proxy-cacert", pki.ca("master").toString(),
                "--proxy-cert", pki.cert("master", "proxy-client").toString(),
                "--proxy-key", pki.key("master", "proxy-client").toString(),
                "-x", mtls.proxyUrl(), url(second, "/mtls")));
        Commands.Result r = ok(Commands.run(CMD, command));
        assertThat(r.stdout()).startsWith("GET /mtls via=1.1 tunnel host=127.0.0.1:" + second.port());
        awaitAccessLine(mtls, mark, "GET", second, "/mtls", 200);
    }

    /**
     * A local HTTP service that says what it got: {@code METHOD PATH via=… host=… length=N} and the body, or, on
     * {@code /digest}, the body's length and SHA-256 (and {@code chunked} when it came chunked).
     */
    static final class EchoService implements AutoCloseable {
        private final HttpServer server;
        private final ExecutorService executor = Executors.newCachedThreadPool();

        EchoService() throws IOException {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
            server.createContext("/", this::handle);
            server.setExecutor(executor);
            server.start();
        }

        int port() {
            return server.getAddress().getPort();
        }

        private void handle(HttpExchange exchange) throws IOException {
            try (exchange) {
                String method = exchange.getRequestMethod();
                String path = exchange.getRequestURI().getRawPath();
                String query = exchange.getRequestURI().getRawQuery();
                String target = query == null ? path : path + "?" + query;
                byte[] reply;
                if (path.equals("/digest")) {
                    MessageDigest sha;
                    try {
                        sha = MessageDigest.getInstance("SHA-256");
                    } catch (java.security.NoSuchAlgorithmException e) {
                        throw new IOException(e);
                    }
                    long length = 0;
                    byte[] buffer = new byte[64 * 1024];
                    try (InputStream in = exchange.getRequestBody()) {
                        for (int n; (n = in.read(buffer)) > 0; ) {
                            sha.update(buffer, 0, n);
                            length += n;
                        }
                    }
                    boolean chunked = "chunked".equalsIgnoreCase(
                            exchange.getRequestHeaders().getFirst("Transfer-Encoding"));
                    reply = (method + " " + target + " length=" + length + " sha256="
                            + HexFormat.of().formatHex(sha.digest()) + (chunked ? " chunked" : "") + "\n")
                            .getBytes(StandardCharsets.UTF_8);
                } else {
                    byte[] body;
                    try (InputStream in = exchange.getRequestBody()) {
                        body = in.readAllBytes();
                    }
                    String head = method + " " + target + " via=" + exchange.getRequestHeaders().getFirst("Via")
                            + " host=" + exchange.getRequestHeaders().getFirst("Host") + " length=" + body.length
                            + "\n";
                    byte[] headBytes = head.getBytes(StandardCharsets.UTF_8);
                    reply = new byte[headBytes.length + body.length];
                    System.arraycopy(headBytes, 0, reply, 0, headBytes.length);
                    System.arraycopy(body, 0, reply, headBytes.length, body.length);
                }
                exchange.sendResponseHeaders(200, reply.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(reply);
                }
            }
        }

        @Override
        public void close() {
            server.stop(0);
            executor.shutdownNow();
        }
    }
}
