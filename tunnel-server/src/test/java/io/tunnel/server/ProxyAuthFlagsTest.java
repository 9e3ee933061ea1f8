package io.tunnel.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.beust.jcommander.JCommander;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The proxy authentication flags: nothing loosens unless asked, and nothing asked for is silently ignored. */
class ProxyAuthFlagsTest {
    private static final List<String> AGENT_PORT = List.of("--cluster-cert", "c", "--cluster-key", "k",
            "--cluster-ca-cert", "ca");
    private static final List<String> TLS = List.of("--server-cert", "s", "--server-key", "sk",
            "--server-ca-cert", "sca");
    private static final List<String> PLAINTEXT = List.of("--allow-plaintext-frontend");

    @TempDir
    Path dir;
    private String users;
    private String tokens;

    @BeforeEach
    void files() throws Exception {
        users = Files.writeString(dir.resolve("users"), ProxyUsersTest.ALICE + "\n").toString();
        tokens = Files.writeString(dir.resolve("tokens"), "ci:" + ProxyTokensTest.CI_TOKEN + "\n").toString();
    }

    private static ServerFlags parse(List<String> frontend, String... args) {
        ServerFlags flags = new ServerFlags();
        List<String> all = new ArrayList<>(AGENT_PORT);
        all.addAll(frontend);
        all.addAll(List.of(args));
        JCommander.newBuilder().addObject(flags.all()).build().parse(all.toArray(String[]::new));
        return flags;
    }

    @Test
    void byDefaultATlsFrontendRequiresCertificatesAndAsksNoCredentials() {
        ServerFlags flags = parse(TLS);
        assertThat(flags.problems()).isEmpty();
        assertThat(flags.toConfig().proxyAuth()).isEqualTo(ProxyAuthConfig.DEFAULT);
        assertThat(ProxyAuthConfig.DEFAULT.certificateRequired()).isTrue();
        assertThat(ProxyAuthConfig.DEFAULT.credentialsRequired()).isFalse();
        assertThat(parse(PLAINTEXT).toConfig().proxyAuth()).isEqualTo(ProxyAuthConfig.DEFAULT);
    }

    @Test
    void basicAndBearerReadTheirFilesOnce() throws Exception {
        ServerFlags flags = parse(TLS, "--server-client-auth", "none", "--frontend-auth", "basic,bearer",
                "--proxy-users-file", users, "--proxy-tokens-file", tokens, "--proxy-auth-max-failures", "5");
        assertThat(flags.problems()).isEmpty();
        Files.delete(Path.of(users));
        ProxyAuthConfig config = flags.toConfig().proxyAuth();
        assertThat(config.clientCertificates()).isEqualTo(ProxyAuthConfig.ClientCertificates.NONE);
        assertThat(config.basic()).isTrue();
        assertThat(config.bearer()).isTrue();
        assertThat(config.users().size()).isEqualTo(1);
        assertThat(config.tokens().size()).isEqualTo(1);
        assertThat(config.maxFailures()).isEqualTo(5);
        assertThat(config.challenge()).isEqualTo(ProxyResponse.PROXY_AUTH_BASIC_OR_BEARER);

        ProxyAuthConfig plain = parse(PLAINTEXT, "--frontend-auth", "Bearer", "--proxy-tokens-file", tokens)
                .toConfig().proxyAuth();
        assertThat(plain.basic()).isFalse();
        assertThat(plain.challenge()).isEqualTo(ProxyResponse.PROXY_AUTH_BEARER);
        ServerFlags optional = parse(TLS, "--server-client-auth", "OPTIONAL", "--frontend-auth", "bearer",
                "--proxy-tokens-file", tokens);
        assertThat(optional.problems()).isEmpty();
        assertThat(optional.toConfig().proxyAuth().clientCertificates())
                .isEqualTo(ProxyAuthConfig.ClientCertificates.OPTIONAL);
    }

    @Test
    void whatCannotWorkIsAUsageError() {
        assertThat(parse(TLS, "--frontend-auth", "basic", "--proxy-users-file", users).problems()).containsExactly(
                "--frontend-auth needs --server-client-auth optional or none on a TLS frontend: with require every "
                        + "client has a certificate");
        for (String loose : List.of("none", "optional")) {
            assertThat(parse(TLS, "--server-client-auth", loose).problems()).as("no open proxy by accident")
                    .containsExactly("--server-client-auth " + loose + " needs --frontend-auth basic or bearer: "
                            + "clients without a certificate would use the proxy unauthenticated");
        }
        assertThat(parse(TLS, "--uds-name", dir.resolve("s").toString(), "--frontend-auth", "basic",
                "--proxy-users-file", users).problems()).as("credentials for the Unix socket's clients").isEmpty();
        assertThat(parse(PLAINTEXT, "--server-client-auth", "none").problems())
                .containsExactly("--server-client-auth applies to a TLS frontend (--server-cert ...)");
        assertThat(parse(PLAINTEXT, "--frontend-auth", "basic").problems())
                .containsExactly("--frontend-auth basic needs --proxy-users-file");
        assertThat(parse(PLAINTEXT, "--frontend-auth", "bearer").problems())
                .containsExactly("--frontend-auth bearer needs --proxy-tokens-file");
        assertThat(parse(PLAINTEXT, "--proxy-users-file", users).problems())
                .containsExactly("--proxy-users-file needs --frontend-auth basic");
        assertThat(parse(PLAINTEXT, "--proxy-tokens-file", tokens).problems())
                .containsExactly("--proxy-tokens-file needs --frontend-auth bearer");
        for (String wrong : List.of("digest", "basic,basic", "", "none,basic")) {
            assertThat(parse(PLAINTEXT, "--frontend-auth", wrong).problems()).as(wrong)
                    .containsExactly("--frontend-auth: '" + wrong + "' is not none, basic, bearer or basic,bearer");
        }
        assertThat(parse(PLAINTEXT, "--frontend-auth", "basic", "--proxy-users-file", users,
                "--proxy-auth-max-failures", "-1").problems())
                .containsExactly("--proxy-auth-max-failures must not be negative");
    }

    @Test
    void aUsersOrTokensFileThatCannotBeUsedIsAUsageErrorNamingIt() throws Exception {
        Path plain = Files.writeString(dir.resolve("plain"), "alice:secret\n");
        assertThat(parse(PLAINTEXT, "--frontend-auth", "basic", "--proxy-users-file", plain.toString()).problems())
                .singleElement().asString().startsWith("--proxy-users-file: " + plain + " line 1: user alice: not a "
                        + "bcrypt hash");
        Path missing = dir.resolve("missing");
        assertThat(parse(PLAINTEXT, "--frontend-auth", "bearer", "--proxy-tokens-file", missing.toString())
                .problems()).singleElement().asString()
                .startsWith("--proxy-tokens-file: cannot read " + missing + ": java.nio.file.NoSuchFileException");
    }
}
