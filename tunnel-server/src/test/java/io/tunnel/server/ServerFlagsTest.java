package io.tunnel.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.beust.jcommander.JCommander;
import io.netty.util.NettyRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server's routing and event-loop flags and the checks parsing cannot make. */
class ServerFlagsTest {
    @TempDir
    Path dir;

    static ServerFlags parse(String... args) {
        ServerFlags flags = new ServerFlags();
        String[] all = new String[args.length + 7];
        System.arraycopy(new String[] {"--allow-plaintext-frontend", "--cluster-cert", "c", "--cluster-key", "k",
                "--cluster-ca-cert", "ca"}, 0, all, 0, 7);
        System.arraycopy(args, 0, all, 7, args.length);
        JCommander.newBuilder().addObject(flags.all()).build().parse(all);
        return flags;
    }

    @Test
    void eventLoopsDefaultToOnePerCoreAndMustBePositive() {
        assertThat(parse().toConfig().ioThreads()).isEqualTo(NettyRuntime.availableProcessors());
        assertThat(parse("--io-threads", "6").toConfig().ioThreads()).isEqualTo(6);
        assertThat(parse("--io-threads", "0").problems())
                .containsExactly("--max-streams-per-agent, --max-pending-dials and --io-threads must be positive");
    }

    @Test
    void routingDefaultsToKonnectivitysOrderWithoutClaimsOrReplicas() {
        ServerFlags flags = parse();
        assertThat(flags.problems()).isEmpty();
        assertThat(flags.toConfig().routing()).isEqualTo(RoutingConfig.DEFAULT);
        assertThat(RoutingConfig.DEFAULT.strategies()).containsExactly(ProxyStrategy.DEST_HOST, ProxyStrategy.CIDR,
                ProxyStrategy.DEFAULT_ROUTE, ProxyStrategy.DEFAULT);
    }

    @Test
    void strategiesInAnotherOrderAndReplicasReachTheConfig() {
        RoutingConfig routing = parse("--proxy-strategies", "cidr, destHost", "--agent-replicas").toConfig().routing();
        assertThat(routing.strategies()).containsExactly(ProxyStrategy.CIDR, ProxyStrategy.DEST_HOST);
        assertThat(routing.agentReplicas()).isTrue();
    }

    @Test
    void anUnknownOrRepeatedStrategyIsAUsageError() {
        assertThat(parse("--proxy-strategies", "destHost,nearest").problems()).containsExactly(
                "--proxy-strategies: unknown strategy 'nearest' (destHost,cidr,defaultRoute,default)");
        assertThat(parse("--proxy-strategies", "").problems()).containsExactly(
                "--proxy-strategies: unknown strategy '' (destHost,cidr,defaultRoute,default)");
        assertThat(parse("--proxy-strategies", "cidr,cidr").problems()).containsExactly(
                "--proxy-strategies: strategy 'cidr' listed twice");
    }

    @Test
    void theClaimsFileIsReadOnceAndItsProblemsAreUsageErrors() throws Exception {
        Path claims = Files.writeString(dir.resolve("claims"), "agent-1 host=db.internal\n");
        ServerFlags flags = parse("--agent-claims-file", claims.toString());
        assertThat(flags.problems()).isEmpty();
        Files.delete(claims);
        assertThat(flags.toConfig().routing().claims().agentCount()).isEqualTo(1);

        assertThat(parse("--agent-claims-file", claims.toString()).problems()).singleElement().asString()
                .startsWith("--agent-claims-file: cannot read " + claims + ": java.nio.file.NoSuchFileException");
        Path bad = Files.write(dir.resolve("bad"), List.of("agent-1 host=a", "agent-2 ipv4=db.internal"));
        assertThat(parse("--agent-claims-file", bad.toString()).problems()).containsExactly(
                "--agent-claims-file: " + bad + " line 2: ipv4 'db.internal' is not an IPv4 address");
    }

    @Test
    void aPlaintextFrontendWithFrontendCertificatesIsAContradiction() {
        ServerFlags flags = new ServerFlags();
        JCommander.newBuilder().addObject(flags.all()).build().parse("--cluster-cert", "c", "--cluster-key", "k",
                "--cluster-ca-cert", "ca", "--allow-plaintext-frontend", "--server-cert", "s.crt", "--server-key",
                "s.key", "--server-ca-cert", "ca.crt");
        assertThat(flags.problems()).containsExactly("--allow-plaintext-frontend contradicts --server-cert, "
                + "--server-key and --server-ca-cert: give either");
    }
}
