package io.tunnel.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The library section of {@code tunnel-client/README.md} shows exactly the code of {@link ReadmeExamples}, and that
 * code works: each example runs against a {@link FakeProxy} speaking mTLS, as tunnel-server's default frontend does,
 * that answers CONNECT and then echoes.
 */
class ReadmeExamplesTest {
    private static final Path README = Path.of("README.md");
    private static final Path EXAMPLES = Path.of("src/test/java/io/tunnel/client/ReadmeExamples.java");
    /** The README's library section: from this heading to the next of the same level. */
    private static final String LIBRARY_HEADING = "## The library";
    private static final Pattern REGION = Pattern.compile(
            "^[ \\t]*// tag::([\\w-]+)\\[]\\n(.*?)^[ \\t]*// end::\\1\\[]$", Pattern.MULTILINE | Pattern.DOTALL);
    private static final Pattern JAVA_BLOCK = Pattern.compile("^```java\\n(.*?)^```$",
            Pattern.MULTILINE | Pattern.DOTALL);
    private static final String ESTABLISHED = "HTTP/1.1 200 Connection established\r\n\r\n";
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    static Path dir;
    static X509Bundle ca;
    static X509Bundle client;
    static Path caFile;
    static Path certFile;
    static Path keyFile;
    /** The fake proxy's side: its certificate for 127.0.0.1, and the CA its clients' certificates come from. */
    static SSLContext proxyTls;

    @BeforeAll
    static void pki() throws Exception {
        ca = new CertificateBuilder().subject("CN=readme CA").setIsCertificateAuthority(true).ecp256()
                .buildSelfSigned();
        X509Bundle server = leaf("proxy").addSanIpAddress("127.0.0.1").addExtendedKeyUsageServerAuth()
                .buildIssuedBy(ca);
        client = leaf("readme").addExtendedKeyUsageClientAuth().buildIssuedBy(ca);
        caFile = write("ca.crt", ca.getCertificatePEM());
        certFile = write("client.crt", client.getCertificatePEM());
        keyFile = write("client.key", client.getPrivateKeyPEM());
        proxyTls = SSLContext.getInstance("TLS");
        proxyTls.init(server.toKeyManagerFactory().getKeyManagers(), ca.toTrustManagerFactory().getTrustManagers(),
                null);
    }

    private static CertificateBuilder leaf(String cn) {
        return new CertificateBuilder().subject("CN=" + cn).ecp256()
                .notBefore(Instant.now().minus(Duration.ofDays(1))).notAfter(Instant.now().plus(Duration.ofDays(1)));
    }

    private static Path write(String name, String pem) throws IOException {
        return Files.writeString(dir.resolve(name), pem, StandardCharsets.US_ASCII);
    }

    @Test
    void theLibrarySectionShowsEachExampleVerbatimAndNothingElse() throws IOException {
        Map<String, String> regions = regions(Files.readString(EXAMPLES));
        assertThat(regions).containsOnlyKeys("socket", "channel", "bootstrap");

        assertThat(javaBlocks(librarySection(Files.readString(README))))
                .as("the java blocks of the README's library section, in order; a change to one of them belongs in "
                        + EXAMPLES + " (or the other way round)")
                .containsExactlyElementsOf(regions.values());
    }

    @Test
    void socketExampleSaysHelloThroughTheTunnel() throws Exception {
        try (FakeProxy proxy = FakeProxy.startTls(proxyTls, FakeProxy.answerThenEcho(ESTABLISHED))) {
            assertThat(ReadmeExamples.hello("127.0.0.1", proxy.port(), caFile, certFile, keyFile)).isEqualTo("hello");
            assertThat(proxy.nextRequest()).startsWith("CONNECT echo.internal:7 HTTP/1.1\r\n");
        }
    }

    @Test
    void socketExampleTellsWhenNoAgentIsThere() throws Exception {
        try (FakeProxy proxy = FakeProxy.startTls(proxyTls,
                FakeProxy.answerThenEcho("HTTP/1.1 503 Service Unavailable\r\n\r\n"))) {
            assertThat(ReadmeExamples.hello("127.0.0.1", proxy.port(), caFile, certFile, keyFile))
                    .isEqualTo("no agent to reach echo.internal:7");
        }
    }

    @Test
    void channelExampleHandsTheTunnelToTheHandler() throws Exception {
        TunnelClientConfig.Builder config = TunnelClientConfig.builder().mutualTls(caFile, certFile, keyFile);
        try (FakeProxy proxy = FakeProxy.startTls(proxyTls, FakeProxy.answerThenEcho(ESTABLISHED));
             TunnelClient tunnels = new TunnelClient(config.proxy("127.0.0.1", proxy.port()).build())) {
            Collector collector = new Collector();
            Channel channel = ReadmeExamples.open(tunnels, collector).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(proxy.nextRequest()).startsWith("CONNECT echo.internal:7 HTTP/1.1\r\n");

            channel.writeAndFlush(Unpooled.copiedBuffer("ping", StandardCharsets.US_ASCII)).sync();
            collector.awaitText("ping", WAIT);
            channel.close().sync();
        }
    }

    @Test
    void bootstrapExampleOpensATunnelOnTheCallersBootstrap() throws Exception {
        SslContext sslContext = SslContextBuilder.forClient().trustManager(ca.getCertificate())
                .keyManager(client.getKeyPair().getPrivate(), client.getCertificate()).build();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try (FakeProxy proxy = FakeProxy.startTls(proxyTls, FakeProxy.answerThenEcho(ESTABLISHED))) {
            Channel channel = ReadmeExamples.openOn(group, sslContext, new InetSocketAddress("127.0.0.1", proxy.port()))
                    .get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(channel.config().isAutoRead()).as("handed over with AUTO_READ off").isFalse();
            Collector collector = new Collector();
            channel.pipeline().addLast(collector);
            channel.writeAndFlush(Unpooled.copiedBuffer("pong", StandardCharsets.US_ASCII)).sync();
            channel.read();
            collector.awaitText("pong", WAIT);
            channel.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /** The regions of the examples' source by name, in order, each less its common indentation. */
    private static Map<String, String> regions(String source) {
        Map<String, String> regions = new LinkedHashMap<>();
        Matcher m = REGION.matcher(source);
        while (m.find()) {
            regions.put(m.group(1), dedent(m.group(2)));
        }
        return regions;
    }

    /** {@code lines} less the indentation all of its non-blank lines share. */
    private static String dedent(String lines) {
        int indent = lines.lines().filter(line -> !line.isBlank())
                .mapToInt(line -> line.length() - line.stripLeading().length()).min().orElse(0);
        StringBuilder out = new StringBuilder();
        lines.lines().forEach(line -> out.append(line.isBlank() ? "" : line.substring(indent)).append('\n'));
        return out.toString();
    }

    private static String librarySection(String readme) {
        int start = readme.indexOf("\n" + LIBRARY_HEADING);
        assertThat(start).as("README heading '%s'", LIBRARY_HEADING).isNotNegative();
        int end = readme.indexOf("\n## ", start + 1);
        return end < 0 ? readme.substring(start) : readme.substring(start, end);
    }

    private static List<String> javaBlocks(String markdown) {
        List<String> blocks = new ArrayList<>();
        Matcher m = JAVA_BLOCK.matcher(markdown);
        while (m.find()) {
            blocks.add(m.group(1));
        }
        return blocks;
    }
}
