package io.tunnel.it.netns;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunnel.it.Commands;
import io.tunnel.it.Jars;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A network partition that sends no FIN or RST: iptables in the private namespace silently drops the agent link's
 * packets both ways. Only the keep-alives can notice. With short keep-alive flags the test is quick; the defaults
 * are read from the jars' usage to show that they bound the detection by 45 s too.
 */
@ExtendWith(SharedPrivateNetwork.Extension.class)
class PartitionIT {
    /** How long a silent agent may stay registered with the defaults. */
    private static final Duration DETECTION_BOUND = Duration.ofSeconds(45);
    private static final Duration KEEPALIVE_TIME = Duration.ofSeconds(1);
    private static final Duration KEEPALIVE_TIMEOUT = Duration.ofSeconds(4);
    private static final List<String> KEEPALIVE_FLAGS = List.of("--keepalive-time", KEEPALIVE_TIME.toMillis() + "ms",
            "--keepalive-timeout", KEEPALIVE_TIMEOUT.toMillis() + "ms");
    private static final String DEAD_LINK = "nothing received for " + KEEPALIVE_TIMEOUT.toMillis()
            + " ms, closing it as dead";

    static PrivateNetwork network;
    NetnsTunnel tunnel;
    NsProcess stream;
    boolean partitioned;

    @BeforeAll
    static void start(SharedPrivateNetwork shared) {
        network = shared.get();
    }

    @AfterEach
    void stop() {
        try (NetnsTunnel t = tunnel) {
            if (stream != null) {
                stream.stop();
            }
            if (partitioned) {
                heal();
            }
        }
    }

    @Test
    void partitionWithoutFinIsDetectedByKeepAliveAndHealsByItself(TestInfo test) throws Exception {
        Netns net = network.net;
        Path logs = network.logDir(test);
        tunnel = NetnsTunnel.start(net, network.pki, logs, KEEPALIVE_FLAGS, KEEPALIVE_FLAGS);
        tunnel.awaitWorking(network.pageUrl(net.serviceIp()));
        long links = tunnel.agent().countLog("connected to server");

        stream = network.startStream("stream", logs);
        stream.awaitOutput("receiving", Duration.ofSeconds(10));

        partition();
        long partitionedAt = System.nanoTime();
        tunnel.server().awaitLog(DEAD_LINK, KEEPALIVE_TIMEOUT.plusSeconds(6));
        long deadAt = System.nanoTime();
        assertThat(TimeUnit.NANOSECONDS.toMillis(deadAt - partitionedAt))
                .as("ms from the partition to the server's keep-alive declaring the link dead")
                .isBetween(KEEPALIVE_TIMEOUT.toMillis() / 2, KEEPALIVE_TIMEOUT.toMillis() + 2_500);

        tunnel.server().awaitLog("agent \\S+ disconnected", Duration.ofSeconds(5));
        long droppedAt = System.nanoTime();
        assertThat(TimeUnit.NANOSECONDS.toMillis(droppedAt - deadAt))
                .as("ms from the keep-alive verdict to the server dropping the agent (no close_notify wait)")
                .isLessThan(1_000);

        long closedAt = stream.awaitExit(Duration.ofSeconds(5));
        assertThat(stream.output()).contains("closed after");
        assertThat(TimeUnit.NANOSECONDS.toMillis(closedAt - droppedAt))
                .as("ms from the server dropping the agent to the client's tunnel closing").isLessThan(1_000);
        tunnel.awaitReady(false, Duration.ofSeconds(5));

        // The agent hears nothing either: its own keep-alive gives up, and it keeps trying to reconnect.
        tunnel.agent().awaitLog("link to server .* lost", Duration.ofSeconds(10));
        assertThat(tunnel.agent().output()).contains(DEAD_LINK);

        heal();
        tunnel.awaitReady(true);
        tunnel.agent().awaitLog("(?s)link to server .* lost.*connected to server", Duration.ofSeconds(10));
        assertThat(tunnel.agent().countLog("connected to server")).as("links of the same agent process")
                .isEqualTo(links + 1);
        assertThat(tunnel.agent().isAlive()).isTrue();
        assertThat(tunnel.fetch(network.pageUrl(net.serviceIp()))).isEqualTo(PrivateNetwork.PAGE);
    }

    @Test
    void defaultKeepAliveDropsASilentAgentWithin45Seconds() {
        for (Path jar : List.of(Jars.SERVER, Jars.AGENT)) {
            Commands.Result usage = Commands.java(Duration.ofSeconds(30), jar, "--help");
            String text = usage.stdout() + usage.stderr();
            Duration time = defaultOf(text, "--keepalive-time");
            Duration timeout = defaultOf(text, "--keepalive-timeout");
            // A link is declared dead, and closed at once, after --keepalive-timeout without receiving anything; a
            // healthy idle peer sends a PING every --keepalive-time, so it never is.
            assertThat(timeout)
                    .as("%s default --keepalive-timeout", jar.getFileName())
                    .isLessThanOrEqualTo(DETECTION_BOUND);
            assertThat(time).as("%s default --keepalive-time", jar.getFileName()).isLessThan(timeout);
        }
        assertThat(KEEPALIVE_TIME).isLessThan(KEEPALIVE_TIMEOUT);
    }

    private static Duration defaultOf(String usage, String flag) {
        Matcher m = Pattern.compile(Pattern.quote(flag) + " <duration>[^(]*\\(default (\\d+)s\\)").matcher(usage);
        assertThat(m.find()).as("%s and its default in the usage:\n%s", flag, usage).isTrue();
        return Duration.ofSeconds(Long.parseLong(m.group(1)));
    }

    /** Drops the agent link's packets inside the private namespace, both ways: nothing at all crosses. */
    private void partition() {
        partitioned = true;
        iptables("-A");
    }

    private void heal() {
        iptables("-D");
        partitioned = false;
    }

    private void iptables(String action) {
        Netns net = network.net;
        String port = Integer.toString(NetnsTunnel.AGENT_PORT);
        Netns.execOk(net.privateNs(), Duration.ofSeconds(10), "iptables", action, "OUTPUT", "-p", "tcp",
                "-d", net.serverIp(), "--dport", port, "-j", "DROP");
        Netns.execOk(net.privateNs(), Duration.ofSeconds(10), "iptables", action, "INPUT", "-p", "tcp",
                "-s", net.serverIp(), "--sport", port, "-j", "DROP");
    }
}
