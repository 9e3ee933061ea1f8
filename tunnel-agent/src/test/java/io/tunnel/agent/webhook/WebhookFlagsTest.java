package io.tunnel.agent.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunnel.core.cli.Cli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** Gardener's flag names, defaults and forms, and the checks made after parsing. */
class WebhookFlagsTest {

    private static WebhookFlags parse(String... args) {
        WebhookFlags flags = new WebhookFlags();
        PrintStream sink = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        OptionalInt early = Cli.parse("test", args, sink, sink, new Cli.HelpFlag(), flags.all());
        assertThat(early).isEmpty();
        return flags;
    }

    @Test
    void defaultsAreGardeners() {
        WebhookFlags flags = parse("--apiserver-fqdn", "api.example.com.");
        assertThat(flags.problems()).isEmpty();
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "k8s-webhook-server", "serving-certs");
        assertThat(flags.toConfig()).isEqualTo(new WebhookConfig("api.example.com.", dir.resolve("tls.crt"),
                dir.resolve("tls.key"), null, new InetSocketAddress(9443)));
    }

    @Test
    void takesGoStyleFlags() {
        WebhookFlags flags = parse("--apiserver-fqdn=foo.bar.", "--cert-dir=/certs", "--cert-name=server.pem",
                "--key-name=server-key.pem", "--client-ca-name=ca.pem", "--host=127.0.0.1", "--port=0");
        assertThat(flags.problems()).isEmpty();
        assertThat(flags.toConfig()).isEqualTo(new WebhookConfig("foo.bar.", Path.of("/certs/server.pem"),
                Path.of("/certs/server-key.pem"), Path.of("/certs/ca.pem"), new InetSocketAddress("127.0.0.1", 0)));
    }

    @Test
    void theFqdnMustBeAHostName() {
        for (String good : List.of("foo.bar.", "kubernetes", "api.shoot-1.example.com", "10.0.0.1")) {
            assertThat(parse("--apiserver-fqdn", good).problems()).as(good).isEmpty();
        }
        for (String bad : List.of("", "-x", "a..b", "foo bar", "api.example.com:443", "x".repeat(64) + ".com",
                "a.".repeat(128) + "b")) {
            assertThat(parse("--apiserver-fqdn", bad).problems()).as(bad)
                    .containsExactly("--apiserver-fqdn '" + bad + "' is not a host name");
        }
    }

    @Test
    void portAndNamesAreChecked() {
        assertThat(parse("--apiserver-fqdn", "a", "--port", "70000").problems())
                .containsExactly("--port must be in [0, 65535]");
        assertThat(parse("--apiserver-fqdn", "a", "--cert-name", "").problems())
                .containsExactly("--cert-name, --key-name and --client-ca-name must not be empty");
    }
}
