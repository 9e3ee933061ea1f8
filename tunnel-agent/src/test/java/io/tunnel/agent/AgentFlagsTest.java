package io.tunnel.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.beust.jcommander.JCommander;
import io.netty.util.NettyRuntime;
import io.tunnel.core.protocol.AgentIdentifiers;
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
    void eventLoopsDefaultToTheCoresAtMostFourAndMustBePositive() {
        assertThat(defaults().toConfig().ioThreads())
                .isEqualTo(Math.min(AgentFlags.Dial.MAX_DEFAULT_IO_THREADS, NettyRuntime.availableProcessors()));
        assertThat(parse("--ca-cert", "c", "--agent-cert", "a", "--agent-key", "k", "--io-threads", "3").toConfig()
                .ioThreads()).isEqualTo(3);
        assertThat(parse("--ca-cert", "c", "--agent-cert", "a", "--agent-key", "k", "--io-threads", "0").problems())
                .containsExactly("--max-streams, --resolver-threads and --io-threads must be positive");
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
    void agentIdentifiersReachTheConfigAndABadOneIsAUsageError() {
        assertThat(defaults().toConfig().identifiers()).isEqualTo(AgentIdentifiers.NONE);
        assertThat(parse("--ca-cert", "c", "--agent-cert", "a", "--agent-key", "k", "--agent-identifiers",
                "host=db.internal&ipv4=10.0.0.5&cidr=10.0.0.0/16").toConfig().identifiers())
                .isEqualTo(AgentIdentifiers.parse("host=db.internal&ipv4=10.0.0.5&cidr=10.0.0.0/16"));
        assertThat(parse("--ca-cert", "c", "--agent-cert", "a", "--agent-key", "k", "--agent-identifiers",
                "host=db.internal&cidr=10.0.0.0/33").problems())
                .containsExactly("--agent-identifiers: '10.0.0.0/33': prefix longer than 32 bits");
        assertThat(parse("--ca-cert", "c", "--agent-cert", "a", "--agent-key", "k", "--agent-identifiers",
                "zone=eu-1").problems())
                .containsExactly("--agent-identifiers: unknown identifier 'zone' (host, ipv4, ipv6, cidr, default-route)");
        assertThat(parse("--ca-cert", "c", "--agent-cert", "a", "--agent-key", "k", "--agent-identifiers",
                "host=" + "a".repeat(5000)).problems())
                .containsExactly("--agent-identifiers: attributes longer than 4096 bytes");
    }

    @Test
    void contradictionsAreReported() {
        assertThat(parse("--ca-cert", "c", "--agent-cert", "a", "--agent-key", "k", "--keepalive-time", "30s")
                .problems()).containsExactly("--keepalive-timeout must be longer than --keepalive-time");
        assertThat(parse("--ca-cert", "c", "--agent-cert", "a", "--agent-key", "k", "--proxy-server-port", "0")
                .problems()).containsExactly("--proxy-server-port must be in [1, 65535]");
    }

    @Test
    void fleetFlagsKeepKonnectivitysDefaultsAndMeanings() {
        AgentConfig config = defaults().toConfig();
        assertThat(config.syncInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(config.syncIntervalCap()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.syncForever()).isFalse();
        assertThat(config.gracefulShutdownTimeout()).isEqualTo(Duration.ofSeconds(30));

        AgentConfig set = parse("--ca-cert", "c", "--agent-cert", "a", "--agent-key", "k",
                "--proxy-server-host", "a.example, b.example", "--proxy-server-port", "9091",
                "--sync-interval", "200ms", "--sync-interval-cap", "2s", "--sync-forever",
                "--graceful-shutdown-timeout", "5s").toConfig();
        assertThat(set.serverAddresses()).containsExactly(new ServerAddress("a.example", 9091),
                new ServerAddress("b.example", 9091));
        assertThat(set.syncInterval()).isEqualTo(Duration.ofMillis(200));
        assertThat(set.syncIntervalCap()).isEqualTo(Duration.ofSeconds(2));
        assertThat(set.syncForever()).isTrue();
        assertThat(set.gracefulShutdownTimeout()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void anEmptyHostInTheListOrACapBelowTheIntervalIsReported() {
        assertThat(parse("--ca-cert", "c", "--agent-cert", "a", "--agent-key", "k", "--proxy-server-host", "a,,b")
                .problems()).containsExactly("--proxy-server-host must be a host, or hosts separated by commas");
        assertThat(parse("--ca-cert", "c", "--agent-cert", "a", "--agent-key", "k", "--sync-interval", "5s",
                "--sync-interval-cap", "1s").problems())
                .containsExactly("--sync-interval-cap must not be shorter than --sync-interval");
    }
}
