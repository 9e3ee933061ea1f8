package io.tunnel.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.beust.jcommander.JCommander;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The server's fleet flags: its id, the server count and the drain's timeout, with their defaults and checks. */
class ServerFleetFlagsTest {
    private static ServerFlags parse(String... args) {
        ServerFlags flags = new ServerFlags();
        JCommander.newBuilder().addObject(flags.all()).build().parse(args);
        return flags;
    }

    private static final String[] REQUIRED = {"--cluster-cert", "c", "--cluster-key", "k", "--cluster-ca-cert", "ca",
            "--allow-plaintext-frontend"};

    private static String[] with(String... more) {
        String[] all = new String[REQUIRED.length + more.length];
        System.arraycopy(REQUIRED, 0, all, 0, REQUIRED.length);
        System.arraycopy(more, 0, all, REQUIRED.length, more.length);
        return all;
    }

    @Test
    void byDefaultEachStartIsAServerOfItsOwnAmongOne() {
        ServerFlags flags = parse(REQUIRED);
        assertThat(flags.problems()).isEmpty();
        ServerConfig first = flags.toConfig();
        assertThat(UUID.fromString(first.serverId())).isNotNull();
        assertThat(flags.toConfig().serverId()).as("a new id per start").isNotEqualTo(first.serverId());
        assertThat(first.serverCount()).isEqualTo(1);
        assertThat(first.gracefulShutdownTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(first.shutdownDelay()).as("the listeners close at once").isZero();
    }

    @Test
    void theFleetFlagsReachTheConfig() {
        ServerConfig config = parse(with("--server-id", "apiserver-1", "--server-count", "3",
                "--graceful-shutdown-timeout", "5s", "--shutdown-delay-duration", "2s")).toConfig();
        assertThat(config.shutdownDelay()).isEqualTo(Duration.ofSeconds(2));
        assertThat(config.serverId()).isEqualTo("apiserver-1");
        assertThat(config.serverCount()).isEqualTo(3);
        assertThat(config.gracefulShutdownTimeout()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void badIdsAndCountsAreReported() {
        assertThat(parse(with("--server-count", "0")).problems()).containsExactly("--server-count must be at least 1");
        assertThat(parse(with("--server-id", "a b")).problems()).singleElement().asString()
                .startsWith("--server-id must be 1 to 128 printable ASCII characters");
        assertThat(parse(with("--server-id", "x".repeat(129))).problems()).hasSize(1);
        assertThat(parse(with("--server-id", "")).problems()).hasSize(1);
        assertThat(parse(with("--shutdown-delay-duration", "30s")).problems())
                .containsExactly("--shutdown-delay-duration must be shorter than --graceful-shutdown-timeout");
    }
}
