package io.tunnel.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.beust.jcommander.JCommander;
import io.tunnel.core.protocol.ProtocolConstants;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The agent's flags: shared link flags with their defaults, and the checks parsing cannot make. */
class AgentFlagsTest {
    /** Flags with only the required certificates given. */
    static AgentFlags defaults() {
        return parse("--ca-cert", "ca.crt", "--agent-cert", "agent.crt", "--agent-key", "agent.key");
    }

    static AgentFlags parse(String... args) {
        AgentFlags flags = new AgentFlags();
        JCommander.newBuilder().addObject(flags.all()).build().parse(args);
        return flags;
    }

    @Test
    void defaultsAreKonnectivityLike() {
        AgentConfig config = defaults().toConfig();
        assertThat(config.serverHosts()).containsExactly("127.0.0.1");
        assertThat(config.serverPort()).isEqualTo(8091);
        assertThat(config.linkSettings().keepaliveMillis()).isEqualTo(10_000);
        assertThat(config.keepaliveTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.linkSettings().initialWindow()).isEqualTo(ProtocolConstants.DEFAULT_INITIAL_WINDOW);
        assertThat(defaults().problems()).isEmpty();
    }

    @Test
    void sharedLinkFlagsReachTheConfig() {
        AgentConfig config = parse("--ca-cert", "c", "--agent-cert", "a", "--agent-key", "k",
                "--keepalive-time", "2s", "--keepalive-timeout", "7s", "--initial-window", "65536").toConfig();
        assertThat(config.linkSettings().keepaliveMillis()).isEqualTo(2_000);
        assertThat(config.keepaliveTimeout()).isEqualTo(Duration.ofSeconds(7));
        assertThat(config.linkSettings().initialWindow()).isEqualTo(65_536);
    }

    @Test
    void contradictionsAreReported() {
        assertThat(parse("--ca-cert", "c", "--agent-cert", "a", "--agent-key", "k", "--keepalive-time", "30s")
                .problems()).containsExactly("--keepalive-timeout must be longer than --keepalive-time");
        assertThat(parse("--ca-cert", "c", "--agent-cert", "a", "--agent-key", "k", "--proxy-server-port", "0")
                .problems()).containsExactly("--proxy-server-port must be in [1, 65535]");
    }
}
