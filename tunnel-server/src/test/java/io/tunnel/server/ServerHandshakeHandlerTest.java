package io.tunnel.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.tunnel.core.PipelineNames;
import io.tunnel.core.protocol.AgentIdentifiers;
import io.tunnel.core.protocol.GoAwayFrame;
import io.tunnel.core.protocol.HelloAckFrame;
import io.tunnel.core.protocol.HelloFrame;
import io.tunnel.core.protocol.PingFrame;
import io.tunnel.core.protocol.ProtocolConstants;
import io.tunnel.core.protocol.TunnelErrorCode;
import io.tunnel.core.protocol.TunnelFrameDecoder;
import io.tunnel.core.protocol.TunnelSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Admitting an agent link: an agent identity from TLS, then HELLO first with this server's version; its identifiers
 * (as far as they parse and the claims file allows) reach the registry; one link per agent id unless replicas.
 */
class ServerHandshakeHandlerTest {
    private final AgentRegistry registry = new AgentRegistry();
    private final ServerMetrics metrics = new ServerMetrics(registry);
    private final AccessLog accessLog = new AccessLog(metrics);
    private ServerConfig config;
    private final List<EmbeddedChannel> channels = new ArrayList<>();
    private EmbeddedChannel channel;

    @TempDir
    Path dir;

    ServerHandshakeHandlerTest() {
        config = config(flags -> { });
    }

    private static ServerConfig config(Consumer<ServerFlags> customize) {
        ServerFlags flags = new ServerFlags();
        flags.frontend.allowPlaintext = true;
        customize.accept(flags);
        assertThat(flags.problems()).isEmpty();
        return flags.toConfig();
    }

    @AfterEach
    void close() {
        for (EmbeddedChannel c : channels) {
            c.finishAndReleaseAll();
        }
    }

    private void start(Optional<String> identity) {
        channel = new EmbeddedChannel();
        channels.add(channel);
        channel.pipeline()
                .addLast(PipelineNames.FRAME_DECODER, new TunnelFrameDecoder())
                .addLast(PipelineNames.HANDSHAKE, new ServerHandshakeHandler(config, registry, accessLog,
                        new HandshakeFailures(metrics), ctx -> identity));
    }

    /** A new connection of agent {@code id} says HELLO with {@code attributes}; returns its channel. */
    private EmbeddedChannel hello(String id, String attributes) {
        start(Optional.of(id));
        channel.pipeline().fireUserEventTriggered(SslHandshakeCompletionEvent.SUCCESS);
        channel.writeInbound(new HelloFrame(ProtocolConstants.VERSION, TunnelSettings.DEFAULT, attributes));
        return channel;
    }

    private static ServerLinkHandler linkOf(EmbeddedChannel channel) {
        return (ServerLinkHandler) channel.pipeline().get(PipelineNames.LINK);
    }

    @Test
    void theIdentifiersOfHelloReachTheRegistry() {
        EmbeddedChannel agent = hello("agent-1", "host=DB.internal.&cidr=10.0.0.0/16&default-route=true");

        assertThat((Object) agent.readOutbound()).isInstanceOf(HelloAckFrame.class);
        assertThat(registry.links()).singleElement().satisfies(link -> {
            assertThat(link).isSameAs(linkOf(agent));
            assertThat(link.identifiers()).isEqualTo(AgentIdentifiers.parse(
                    "host=db.internal&cidr=10.0.0.0/16&default-route=true"));
        });
    }

    @Test
    void identifiersThatDoNotParseLeaveTheLinkUpWithoutAny() {
        EmbeddedChannel agent = hello("agent-1", "host=db.internal&cidr=10.0.0.0/99");

        assertThat((Object) agent.readOutbound()).isInstanceOf(HelloAckFrame.class);
        assertThat(agent.isOpen()).isTrue();
        assertThat(linkOf(agent).identifiers()).isEqualTo(AgentIdentifiers.NONE);
        assertThat(registry.size()).isEqualTo(1);
    }

    @Test
    void keysOfALaterVersionAreIgnored() {
        EmbeddedChannel agent = hello("agent-1", "zone=eu-1&host=db.internal");
        assertThat(linkOf(agent).identifiers()).isEqualTo(AgentIdentifiers.parse("host=db.internal"));
    }

    @Test
    void claimsOutsideTheClaimsFileAreDroppedAndTheLinkStaysWithTheRest() throws Exception {
        Path claims = Files.writeString(dir.resolve("claims"), "agent-1 host=db.internal&cidr=10.0.0.0/8\n");
        config = config(flags -> flags.routing.claimsFile = claims);

        EmbeddedChannel agent = hello("agent-1", "host=db.internal&host=api.internal&cidr=10.1.0.0/16"
                + "&cidr=192.168.0.0/16&default-route=true");
        assertThat((Object) agent.readOutbound()).isInstanceOf(HelloAckFrame.class);
        assertThat(linkOf(agent).identifiers())
                .isEqualTo(AgentIdentifiers.parse("host=db.internal&cidr=10.1.0.0/16"));

        EmbeddedChannel stranger = hello("agent-9", "host=db.internal&default-route=true");
        assertThat(linkOf(stranger).identifiers()).as("an agent the file does not list claims nothing")
                .isEqualTo(AgentIdentifiers.NONE);
        assertThat(registry.size()).isEqualTo(2);
    }

    @Test
    void aSecondLinkOfALinkedAgentIsRefusedWithGoAway() {
        EmbeddedChannel firstLink = hello("agent-1", "");
        EmbeddedChannel second = hello("agent-1", "");

        assertThat((Object) second.readOutbound()).isEqualTo(new GoAwayFrame(0, TunnelErrorCode.CANCEL,
                "agent id already linked to this server"));
        assertThat(second.isOpen()).isFalse();
        assertThat(registry.links()).containsExactly(linkOf(firstLink));
        assertThat(hello("agent-2", "").isOpen()).as("another agent id is welcome").isTrue();
    }

    @Test
    void aLinkGoingAwayMakesRoomForItsSuccessor() {
        EmbeddedChannel old = hello("agent-1", "");
        ((ServerLinkHandler) old.pipeline().get(PipelineNames.LINK)).goAwayGracefully("draining");

        EmbeddedChannel successor = hello("agent-1", "");
        assertThat((Object) successor.readOutbound()).isInstanceOf(HelloAckFrame.class);
        assertThat(registry.links()).containsExactly(linkOf(old), linkOf(successor));
    }

    @Test
    void withReplicasSeveralLinksOfOneAgentAreAdmitted() {
        config = config(flags -> flags.routing.agentReplicas = true);
        EmbeddedChannel a = hello("agent-1", "");
        EmbeddedChannel b = hello("agent-1", "");

        assertThat((Object) b.readOutbound()).isInstanceOf(HelloAckFrame.class);
        assertThat(registry.byAgent()).containsOnlyKeys("agent-1");
        assertThat(registry.byAgent().get("agent-1")).containsExactly(linkOf(a), linkOf(b));
    }

    @Test
    void anAgentThatSaysHelloIsAnsweredAndRegistered() {
        start(Optional.of("agent-1"));
        channel.pipeline().fireUserEventTriggered(SslHandshakeCompletionEvent.SUCCESS);
        channel.writeInbound(new HelloFrame(ProtocolConstants.VERSION, TunnelSettings.DEFAULT.withMaxStreams(3)));

        assertThat((Object) channel.readOutbound()).isInstanceOfSatisfying(HelloAckFrame.class,
                ack -> assertThat(ack.settings()).isEqualTo(config.linkSettings()));
        assertThat(channel.pipeline().get(PipelineNames.LINK)).isInstanceOfSatisfying(ServerLinkHandler.class,
                link -> {
                    assertThat(link.link().peerId()).isEqualTo("agent-1");
                    assertThat(link.link().peerSettings().maxStreams()).isEqualTo(3);
                });
        assertThat(registry.size()).isEqualTo(1);
    }

    @Test
    void theAckNamesThisServerAndHowManyThereAre() {
        channel = new EmbeddedChannel();
        ServerFlags flags = new ServerFlags();
        flags.frontend.allowPlaintext = true;
        flags.fleet.serverId = "server-7";
        flags.fleet.serverCount = 3;
        channel.pipeline()
                .addLast(PipelineNames.FRAME_DECODER, new TunnelFrameDecoder())
                .addLast(PipelineNames.HANDSHAKE, new ServerHandshakeHandler(flags.toConfig(), registry, accessLog,
                        new HandshakeFailures(metrics), ctx -> Optional.of("agent-1")));
        channel.pipeline().fireUserEventTriggered(SslHandshakeCompletionEvent.SUCCESS);
        channel.writeInbound(new HelloFrame(ProtocolConstants.VERSION, TunnelSettings.DEFAULT));

        assertThat((Object) channel.readOutbound()).isInstanceOfSatisfying(HelloAckFrame.class, ack -> {
            assertThat(ack.serverId()).isEqualTo("server-7");
            assertThat(ack.serverCount()).isEqualTo(3);
        });
    }

    @Test
    void anotherVersionIsRefusedWithGoAway() {
        start(Optional.of("agent-1"));
        channel.pipeline().fireUserEventTriggered(SslHandshakeCompletionEvent.SUCCESS);
        channel.writeInbound(new HelloFrame(ProtocolConstants.VERSION + 1, TunnelSettings.DEFAULT));

        assertThat((Object) channel.readOutbound()).isEqualTo(new GoAwayFrame(0, TunnelErrorCode.UNSUPPORTED_VERSION,
                "server speaks version " + ProtocolConstants.VERSION));
        assertThat(channel.isOpen()).isFalse();
        assertThat(registry.isEmpty()).isTrue();
    }

    @Test
    void aFirstFrameOtherThanHelloIsAProtocolError() {
        start(Optional.of("agent-1"));
        channel.pipeline().fireUserEventTriggered(SslHandshakeCompletionEvent.SUCCESS);
        channel.writeInbound(new PingFrame(1));

        assertThat((Object) channel.readOutbound()).isInstanceOfSatisfying(GoAwayFrame.class,
                g -> assertThat(g.code()).isEqualTo(TunnelErrorCode.PROTOCOL_ERROR));
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void aPeerWithoutAnAgentIdentityIsClosedBeforeItsFirstFrame() {
        start(Optional.empty());
        channel.pipeline().fireUserEventTriggered(SslHandshakeCompletionEvent.SUCCESS);

        assertThat(channel.isOpen()).isFalse();
        assertThat(registry.isEmpty()).isTrue();
    }

    @Test
    void aFailedTlsHandshakeCloses() {
        start(Optional.of("agent-1"));
        channel.pipeline().fireUserEventTriggered(new SslHandshakeCompletionEvent(new SSLHandshakeException("x")));

        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void noHelloWithinTheHandshakeTimeoutCloses() {
        start(Optional.of("agent-1"));
        channel.pipeline().fireUserEventTriggered(SslHandshakeCompletionEvent.SUCCESS);
        channel.advanceTimeBy(10, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();

        assertThat(channel.isOpen()).isFalse();
        assertThat(registry.isEmpty()).isTrue();
    }
}
