package io.tunnel.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.tunnel.core.PipelineNames;
import io.tunnel.core.protocol.GoAwayFrame;
import io.tunnel.core.protocol.HelloAckFrame;
import io.tunnel.core.protocol.HelloFrame;
import io.tunnel.core.protocol.PingFrame;
import io.tunnel.core.protocol.ProtocolConstants;
import io.tunnel.core.protocol.TunnelErrorCode;
import io.tunnel.core.protocol.TunnelFrameDecoder;
import io.tunnel.core.protocol.TunnelSettings;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Admitting an agent link: an agent identity from TLS, then HELLO first with this server's version. */
class ServerHandshakeHandlerTest {
    private final AgentRegistry registry = new AgentRegistry();
    private final AccessLog accessLog = new AccessLog(new ServerMetrics(registry));
    private final ServerConfig config;
    private final EmbeddedChannel channel = new EmbeddedChannel();

    ServerHandshakeHandlerTest() {
        ServerFlags flags = new ServerFlags();
        flags.frontend.allowPlaintext = true;
        config = flags.toConfig();
    }

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    private void start(Optional<String> identity) {
        channel.pipeline()
                .addLast(PipelineNames.FRAME_DECODER, new TunnelFrameDecoder())
                .addLast(PipelineNames.HANDSHAKE, new ServerHandshakeHandler(config, registry, accessLog,
                        ctx -> identity));
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
        ServerFlags flags = new ServerFlags();
        flags.frontend.allowPlaintext = true;
        flags.fleet.serverId = "server-7";
        flags.fleet.serverCount = 3;
        channel.pipeline()
                .addLast(PipelineNames.FRAME_DECODER, new TunnelFrameDecoder())
                .addLast(PipelineNames.HANDSHAKE, new ServerHandshakeHandler(flags.toConfig(), registry, accessLog,
                        ctx -> Optional.of("agent-1")));
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
