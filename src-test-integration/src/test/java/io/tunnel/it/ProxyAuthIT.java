package io.tunnel.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Proxy authentication for clients without a certificate ({@code --frontend-auth basic,bearer}) with the clients
 * people use: curl, wget, Python {@code requests} and the JDK {@code HttpClient}, on the plaintext frontend, on a TLS
 * frontend that asks for no certificate ({@code --server-client-auth none}), and on the Unix socket. The users file is
 * made by {@code pki-tool hash-password}. Missing, wrong and malformed credentials get the same {@code 407}; a source
 * that guessed too often gets {@code 429}; the default mutual-TLS frontend still refuses a client without a
 * certificate, credentials or not.
 *
 * <p>Every client connects from loopback; the tests that fail on purpose connect from addresses of their own
 * ({@code 127.0.0.3} and up), so that their failures count against no other test's source.
 */
@ExtendWith(SharedTunnels.Extension.class)
class ProxyAuthIT {
    private static final Duration CMD = Duration.ofSeconds(30);
    private static final String USER = "alice";
    /** A space and a colon: Basic splits at the first colon, URLs must encode both. */
    private static final String PASSWORD = "open sesame:42";
    private static final int MAX_FAILURES = 3;
    private static final String CHALLENGE = "HTTP/1.1 407 Proxy Authentication Required\r\n"
            + "Content-Type: text/plain; charset=us-ascii\r\nContent-Length: 30\r\n"
            + "Proxy-Authenticate: Basic realm=\"tunnel\", charset=\"UTF-8\"\r\n"
            + "Proxy-Authenticate: Bearer realm=\"tunnel\"\r\n"
            + "Connection: close\r\n\r\nproxy authentication required\n";

    @TempDir(cleanup = CleanupMode.ON_SUCCESS) // a failed run keeps the processes' logs
    static Path tmp;
    static TestPki pki;
    static String token;
    static Path socket;
    /** Plaintext TCP frontend and a Unix socket, Basic or Bearer. */
    static TunnelFixture plain;
    /** TLS frontend without client certificates, Basic. */
    static TunnelFixture tls;
    static TunnelFixture mtls;
    static HttpDestination http;
    static HttpDestination https;

    @BeforeAll
    static void start(SharedTunnels shared) throws Exception {
        pki = shared.pki();
        pki.issue("master", "server", "auth-dest", "--hosts", "localhost,127.0.0.1");
        Path users = tmp.resolve("proxy-users");
        Files.writeString(users, TestPki.hashPassword(USER, PASSWORD) + TestPki.hashPassword("bob", "another one"));
        token = HexFormat.of().formatHex(new SecureRandom().generateSeed(32));
        Path tokens = Files.writeString(tmp.resolve("proxy-tokens"), "# CI jobs\nci:" + token + "\n");
        socket = tmp.resolve("auth.sock");
        plain = TunnelFixture.builder(pki, tmp.resolve("logs-plain")).plaintextFrontend().serverArgs(
                "--frontend-auth", "basic,bearer", "--proxy-users-file", users.toString(),
                "--proxy-tokens-file", tokens.toString(), "--proxy-auth-max-failures", Integer.toString(MAX_FAILURES),
                "--uds-name", socket.toString()).start();
        tls = TunnelFixture.builder(pki, tmp.resolve("logs-tls")).serverArgs("--server-client-auth", "none",
                "--frontend-auth", "basic", "--proxy-users-file", users.toString()).start();
        mtls = shared.mtls();
        http = HttpDestination.http();
        https = HttpDestination.https(InetAddress.getLoopbackAddress(),
                Pem.serverContext(pki.cert("master", "auth-dest"), pki.key("master", "auth-dest")));
    }

    @AfterAll
    static void stop() {
        try (TunnelFixture a = plain; TunnelFixture b = tls; HttpDestination c = http; HttpDestination d = https) {
            // closed in reverse order; the jars are checked for leaks on close
        }
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** {@code user:password@}, encoded for a URL. */
    private static String userInfo(String user, String password) {
        return user + ":" + URLEncoder.encode(password, StandardCharsets.UTF_8).replace("+", "%20") + "@";
    }

    private static String httpsDestination() {
        return "https://localhost:" + https.port() + "/";
    }

    private static String ca() {
        return pki.ca("master").toString();
    }

    /** Waits for the access line of the stream to {@code port} after {@code mark}. */
    private static Map<String, String> accessLine(TunnelFixture fixture, int mark, int port) {
        return AccessLines.await(fixture.server(), mark, 1,
                line -> line.get("target").endsWith(":" + port), CMD).get(0);
    }

    private static String metrics(TunnelFixture fixture) throws Exception {
        return fixture.body(fixture.healthPort(), "/metrics");
    }

    @Test
    void curlWithTheUserInTheProxyUrlOnThePlaintextFrontend() throws Exception {
        int mark = plain.server().mark();
        Commands.Result r = Commands.run(CMD, List.of("curl", "-sS", "--max-time", "20", "-p", "-x",
                "http://" + userInfo(USER, PASSWORD) + "127.0.0.1:" + plain.frontendPort(),
                "http://127.0.0.1:" + http.port() + "/"));
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).isEqualTo(HttpDestination.BODY);
        assertThat(accessLine(plain, mark, http.port())).containsEntry("status", "200")
                .containsEntry("identity", USER);
        assertThat(metrics(plain))
                .contains("tunnel_server_authenticated_requests_total{identity=\"alice\",method=\"basic\"}");
    }

    @Test
    void curlWithHttpsProxyAndOnlyTheProxyCaOnTheTlsFrontend() {
        String proxy = "https://" + userInfo(USER, PASSWORD) + "localhost:" + tls.frontendPort();
        int mark = tls.server().mark();
        Commands.Result r = Commands.run(CMD, Map.of("https_proxy", proxy, "HTTPS_PROXY", proxy), null,
                List.of("curl", "-sS", "--max-time", "20", "--proxy-cacert", ca(), "--cacert", ca(),
                        httpsDestination()));
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).isEqualTo(HttpDestination.BODY);
        assertThat(accessLine(tls, mark, https.port())).containsEntry("identity", USER);
        assertThat(tls.server().output()).contains("(TLS), agent port");
    }

    @Test
    void curlWithoutCredentialsOnTheTlsFrontendGetsTheChallenge() {
        String proxy = "https://localhost:" + tls.frontendPort();
        Commands.Result r = Commands.run(CMD, Map.of("https_proxy", proxy), null, List.of("curl", "-sS",
                "--max-time", "20", "-o", "/dev/null", "-w", "%{http_connect}", "--proxy-cacert", ca(),
                "--cacert", ca(), httpsDestination()));
        assertThat(r.exitCode()).as(r.toString()).isNotZero();
        assertThat(r.stdout()).isEqualTo("407");
    }

    @Test
    void pythonRequestsWithAnHttpsProxyUrl() {
        String script = String.join("\n",
                "import sys, requests",
                "proxy = sys.argv[1]",
                "r = requests.get(sys.argv[2], proxies={'https': proxy}, verify=sys.argv[3], timeout=20)",
                "sys.stdout.write(str(r.status_code) + ' ' + r.text)");
        int mark = tls.server().mark();
        Commands.Result r = Commands.run(CMD, List.of("/usr/bin/python3", "-c", script,
                "https://" + userInfo(USER, PASSWORD) + "localhost:" + tls.frontendPort(), httpsDestination(), ca()));
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).isEqualTo("200 " + HttpDestination.BODY);
        assertThat(accessLine(tls, mark, https.port())).containsEntry("identity", USER);
    }

    @Test
    void wgetWithProxyUserAndPasswordOnThePlaintextFrontend() {
        int mark = plain.server().mark();
        Commands.Result r = Commands.run(CMD, List.of("wget", "-q", "-O", "-", "--tries=1", "--timeout=20",
                "-e", "use_proxy=yes", "-e", "https_proxy=http://127.0.0.1:" + plain.frontendPort(),
                "--proxy-user=bob", "--proxy-password=another one", "--ca-certificate=" + ca(), httpsDestination()));
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).isEqualTo(HttpDestination.BODY);
        assertThat(accessLine(plain, mark, https.port())).containsEntry("identity", "bob");
    }

    @Test
    void jdkHttpClientWithAnAuthenticatorOncejdkAllowsBasicForTunnels() {
        Commands.Result allowed = jdkClient(true);
        assertThat(allowed.exitCode()).as(allowed.toString()).isZero();
        assertThat(allowed.stdout()).isEqualTo("200 " + HttpDestination.BODY);

        Commands.Result byDefault = jdkClient(false);
        assertThat(byDefault.exitCode()).as("the JDK disables Basic for CONNECT unless told: %s", byDefault)
                .isNotZero();
    }

    /** The JDK client in a JVM of its own, with or without Basic allowed for tunnels. */
    private static Commands.Result jdkClient(boolean basicForTunnels) {
        List<String> command = new ArrayList<>(List.of(java(), "-cp", System.getProperty("java.class.path")));
        if (basicForTunnels) {
            command.add("-Djdk.http.auth.tunneling.disabledSchemes=");
        }
        command.addAll(List.of(JdkProxyAuthClient.class.getName(), Integer.toString(plain.frontendPort()), USER,
                PASSWORD, httpsDestination(), ca()));
        return Commands.run(CMD, command);
    }

    @Test
    void aBearerTokenWithCurlsProxyHeader() throws Exception {
        int mark = plain.server().mark();
        Commands.Result r = Commands.run(CMD, List.of("curl", "-sS", "--max-time", "20", "-p",
                "-x", "http://127.0.0.1:" + plain.frontendPort(),
                "--proxy-header", "Proxy-Authorization: Bearer " + token, "http://127.0.0.1:" + http.port() + "/"));
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).isEqualTo(HttpDestination.BODY);
        assertThat(accessLine(plain, mark, http.port())).containsEntry("identity", "ci");
        assertThat(metrics(plain))
                .contains("tunnel_server_authenticated_requests_total{identity=\"ci\",method=\"bearer\"}");
    }

    @Test
    void curlWithAWrongPasswordGetsTheChallenge() {
        Commands.Result r = Commands.run(CMD, List.of("curl", "-sS", "--max-time", "20", "-p", "-o", "/dev/null",
                "-w", "%{http_connect}", "--interface", "127.0.0.3",
                "-x", "http://" + userInfo(USER, "open sesame:43") + "127.0.0.1:" + plain.frontendPort(),
                "http://127.0.0.1:" + http.port() + "/"));
        assertThat(r.exitCode()).as(r.toString()).isNotZero();
        assertThat(r.stdout()).isEqualTo("407");
    }

    @Test
    void wrongUnknownMalformedAndMissingCredentialsGetTheSameAnswer() throws Exception {
        int mark = plain.server().mark();
        String target = "127.0.0.1:" + http.port();
        assertThat(connect("127.0.0.4", target, basic(USER + ":" + PASSWORD + "!"))).isEqualTo(CHALLENGE);
        assertThat(connect("127.0.0.4", target, basic("mallory:" + PASSWORD))).isEqualTo(CHALLENGE);
        assertThat(connect("127.0.0.5", target, "Basic !!!not-base64")).isEqualTo(CHALLENGE);
        assertThat(connect("127.0.0.5", target, "Bearer " + token + "x")).isEqualTo(CHALLENGE);
        assertThat(connect("127.0.0.5", target, null)).isEqualTo(CHALLENGE);

        List<Map<String, String>> lines = AccessLines.await(plain.server(), mark, 5,
                line -> line.get("status").equals("407"), CMD);
        assertThat(lines).extracting(line -> line.get("end")).containsExactlyInAnyOrder(
                "wrong password for user alice", "unknown user", "malformed Proxy-Authorization header",
                "unknown bearer token", "no Proxy-Authorization header");
        assertThat(lines).allSatisfy(line -> assertThat(line).containsEntry("identity", "-"));
        assertThat(metrics(plain)).contains("tunnel_server_proxy_auth_failures_total{cause=\"wrong_password\"}",
                "tunnel_server_proxy_auth_failures_total{cause=\"unknown_user\"}",
                "tunnel_server_proxy_auth_failures_total{cause=\"malformed\"}",
                "tunnel_server_connect_requests_total{status=\"407\"}");
    }

    @Test
    void aSourceThatGuessedTooOftenGets429EvenWithTheRightPassword() throws Exception {
        String target = "127.0.0.1:" + http.port();
        for (int i = 0; i < MAX_FAILURES; i++) {
            assertThat(connect("127.0.0.6", target, basic(USER + ":guess " + i))).isEqualTo(CHALLENGE);
        }
        assertThat(connect("127.0.0.6", target, basic(USER + ":" + PASSWORD)))
                .startsWith("HTTP/1.1 429 Too Many Requests\r\n").contains("Retry-After: 60\r\n")
                .endsWith("too many failed authentications\n");
        assertThat(connect("127.0.0.7", target, basic(USER + ":" + PASSWORD)))
                .as("another source is not limited").startsWith("HTTP/1.1 200 ");
        assertThat(metrics(plain)).contains("tunnel_server_proxy_auth_failures_total{cause=\"rate_limited\"} 1.0");
    }

    @Test
    void theUnixSocketAsksForCredentialsToo() throws Exception {
        String target = "127.0.0.1:" + http.port();
        try (UnixSocketClient client = UnixSocketClient.connect(socket)) {
            client.write("CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n\r\n");
            assertThat(client.readToEnd()).isEqualTo(CHALLENGE);
        }
        int mark = plain.server().mark();
        try (UnixSocketClient client = UnixSocketClient.connect(socket)) {
            client.write("CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\nProxy-Authorization: Bearer "
                    + token + "\r\n\r\n");
            assertThat(client.readSome()).isEqualTo("HTTP/1.1 200 Connection established\r\n\r\n");
            client.write("GET / HTTP/1.1\r\nHost: " + target + "\r\nConnection: close\r\n\r\n");
            assertThat(client.readToEnd()).startsWith("HTTP/1.1 200 ").endsWith(HttpDestination.BODY);
        }
        assertThat(accessLine(plain, mark, http.port())).containsEntry("identity", "ci");
    }

    @Test
    void theMutualTlsDefaultStillRefusesAClientWithoutACertificateCredentialsOrNot() throws Exception {
        String proxy = "https://" + userInfo(USER, PASSWORD) + "localhost:" + mtls.frontendPort();
        int mark = mtls.server().mark();
        Commands.Result r = Commands.run(CMD, Map.of("https_proxy", proxy, "HTTPS_PROXY", proxy), null,
                List.of("curl", "-sS", "--max-time", "20", "--proxy-cacert", ca(), "--cacert", ca(),
                        httpsDestination()));
        assertThat(r.exitCode()).as(r.toString()).isNotZero();
        assertThat(r.stdout()).isEmpty();

        Commands.Result withCertificate = Commands.run(CMD, List.of("curl", "-sS", "--max-time", "20",
                "--proxy-cacert", ca(), "--proxy-cert", pki.cert("master", "proxy-client").toString(),
                "--proxy-key", pki.key("master", "proxy-client").toString(), "-x", mtls.proxyUrl(), "--cacert", ca(),
                httpsDestination()));
        assertThat(withCertificate.exitCode()).as(withCertificate.toString()).isZero();
        Map<String, String> line = accessLine(mtls, mark, https.port());
        assertThat(line.get("identity")).as("the certificate's subject names the client").isNotEqualTo("-");
        assertThat(metrics(mtls)).contains("method=\"certificate\"");
        assertThat(AccessLines.since(mtls.server(), mark)).as("only the client with a certificate got in").hasSize(1);
    }

    @Test
    void aTlsFrontendWithoutCertificatesOrCredentialsIsAUsageError() {
        Commands.Result r = Commands.java(CMD, Jars.SERVER, "--server-cert", pki.cert("master", "proxy-master")
                        .toString(), "--server-key", pki.key("master", "proxy-master").toString(), "--server-ca-cert",
                ca(), "--cluster-cert", pki.cert("agent", "proxy-master").toString(), "--cluster-key",
                pki.key("agent", "proxy-master").toString(), "--cluster-ca-cert", pki.ca("agent").toString(),
                "--server-client-auth", "none");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.stderr()).contains("--server-client-auth none needs --frontend-auth basic or bearer");
    }

    private static String basic(String userPass) {
        return "Basic " + Base64.getEncoder().encodeToString(userPass.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Sends CONNECT from {@code source} to the plaintext frontend, with {@code authorization} as its {@code
     * Proxy-Authorization} (none if {@code null}); returns the answer: its head alone if the tunnel opened, everything
     * until the server closed otherwise.
     */
    private static String connect(String source, String target, String authorization) throws IOException {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(source, 0));
            s.connect(new InetSocketAddress("127.0.0.1", plain.frontendPort()), 10_000);
            s.setSoTimeout(30_000);
            s.getOutputStream().write(("CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n"
                    + (authorization == null ? "" : "Proxy-Authorization: " + authorization + "\r\n") + "\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String head = ConnectSocket.readHead(s.getInputStream());
            if (head.startsWith("HTTP/1.1 200 ")) {
                return head;
            }
            return head + new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        }
    }
}
