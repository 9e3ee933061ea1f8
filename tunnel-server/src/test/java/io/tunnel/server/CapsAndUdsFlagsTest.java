package io.tunnel.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.beust.jcommander.JCommander;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The flags of the Unix-socket frontend and of the connection caps, and the checks parsing cannot make. */
class CapsAndUdsFlagsTest {
    private static final List<String> AGENT_PORT = List.of("--cluster-cert", "c", "--cluster-key", "k",
            "--cluster-ca-cert", "ca");

    private static ServerFlags parse(String... args) {
        ServerFlags flags = new ServerFlags();
        List<String> all = new ArrayList<>(AGENT_PORT);
        all.addAll(List.of(args));
        JCommander.newBuilder().addObject(flags.all()).build().parse(all.toArray(String[]::new));
        return flags;
    }

    @Test
    void capsDefaultAsTheIssueAsksAndNoUnixSocket() {
        ServerConfig config = parse("--allow-plaintext-frontend").toConfig();
        assertThat(config.caps()).isEqualTo(new CapsConfig(50_000, 0, 1_024, Duration.ofSeconds(5), 1_000));
        assertThat(config.uds()).isNull();
        assertThat(config.frontendAddress()).isNotNull();
    }

    @Test
    void capsReachTheConfig() {
        ServerFlags flags = parse("--allow-plaintext-frontend", "--max-frontend-connections", "10",
                "--max-frontend-connections-per-ip", "2", "--max-concurrent-handshakes", "3",
                "--frontend-handshake-timeout", "2s", "--max-agent-links", "4");
        assertThat(flags.problems()).isEmpty();
        assertThat(flags.toConfig().caps()).isEqualTo(new CapsConfig(10, 2, 3, Duration.ofSeconds(2), 4));
    }

    @Test
    void capsOutOfRangeAreUsageErrors() {
        assertThat(parse("--allow-plaintext-frontend", "--max-frontend-connections", "0").problems())
                .containsExactly("--max-frontend-connections, --max-concurrent-handshakes and --max-agent-links "
                        + "must be positive");
        assertThat(parse("--allow-plaintext-frontend", "--max-frontend-connections-per-ip", "-1").problems())
                .containsExactly("--max-frontend-connections-per-ip must be positive, or 0 for no cap");
    }

    @Test
    void aTlsHandshakeMustEndBeforeTheHeaderTimeout() {
        String[] tls = {"--server-cert", "c", "--server-key", "k", "--server-ca-cert", "ca"};
        List<String> args = new ArrayList<>(List.of(tls));
        args.addAll(List.of("--frontend-handshake-timeout", "10s"));
        assertThat(parse(args.toArray(String[]::new)).problems()).containsExactly("--frontend-handshake-timeout must "
                + "be shorter than --header-timeout (10000 ms), which counts from the connection's start too");
        assertThat(parse("--allow-plaintext-frontend", "--frontend-handshake-timeout", "10s").problems())
                .as("no TLS, no handshake").isEmpty();
    }

    @Test
    void theUnixSocketAloneIsTheOnlyFrontend() {
        ServerFlags flags = parse("--uds-name", "/run/tunnel/konnectivity-server.socket", "--server-port", "0");
        assertThat(flags.problems()).isEmpty();
        ServerConfig config = flags.toConfig();
        assertThat(config.frontendAddress()).as("no TCP frontend").isNull();
        assertThat(config.uds()).isEqualTo(new UdsConfig(Path.of("/run/tunnel/konnectivity-server.socket"), 0600,
                false));
        assertThat(PosixFilePermissions.toString(config.uds().permissions())).isEqualTo("rw-------");
        assertThat(config.uds().modeText()).isEqualTo("0600");
    }

    @Test
    void theUnixSocketBesideATcpFrontend() {
        ServerConfig config = parse("--allow-plaintext-frontend", "--uds-name", "tunnel.sock", "--uds-mode", "660",
                "--delete-existing-uds-file").toConfig();
        assertThat(config.frontendAddress()).isNotNull();
        assertThat(config.uds().path()).as("made absolute").isEqualTo(Path.of("tunnel.sock").toAbsolutePath());
        assertThat(PosixFilePermissions.toString(config.uds().permissions())).isEqualTo("rw-rw----");
        assertThat(config.uds().deleteExisting()).isTrue();
    }

    @Test
    void withoutAnyFrontendTheServerDoesNotStart() {
        assertThat(parse().problems()).containsExactly("the frontend needs --server-cert, --server-key and "
                + "--server-ca-cert, or --allow-plaintext-frontend, or --uds-name");
    }

    @Test
    void aModeThatIsNotOctalPermissionBitsOrAPathTooLongAreUsageErrors() {
        for (String mode : new String[] {"0800", "rw-------", "4755", "06000", ""}) {
            assertThat(parse("--uds-name", "/tmp/t.sock", "--uds-mode", mode).problems()).as(mode)
                    .containsExactly("--uds-mode must be octal permission bits like 0600 or 660, not '" + mode + "'");
        }
        assertThat(parse("--uds-name", "/tmp/" + "x".repeat(103)).problems()).containsExactly(
                "--uds-name is too long for a Unix socket (at most 107 bytes as an absolute path)");
        assertThat(parse("--uds-name", "/tmp/" + "x".repeat(102)).problems()).isEmpty();
    }
}
