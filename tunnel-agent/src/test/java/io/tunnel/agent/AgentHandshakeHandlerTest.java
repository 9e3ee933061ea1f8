package io.tunnel.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.tunnel.core.PipelineNames;
import io.tunnel.core.protocol.GoAwayFrame;
import io.tunnel.core.protocol.HelloAckFrame;
import io.tunnel.core.protocol.HelloFrame;
import io.tunnel.core.protocol.ProtocolConstants;
import io.tunnel.core.protocol.TunnelErrorCode;
import io.tunnel.core.protocol.TunnelFrameDecoder;
import io.tunnel.core.protocol.TunnelSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The agent's side of the link handshake: HELLO after TLS, HELLO_ACK installs the link, anything else ends it. */
class AgentHandshakeHandlerTest {
    private final List<AgentLinkHandler> established = new ArrayList<>();
    private final AgentLinks links = new AgentLinks() {
        @Override
        public void established(ServerSet.Link link) {
            established.add((AgentLinkHandler) link);
        }

        @Override
        public void serverGoingAway() {
        }

        @Override
        public void closed(String why) {
        }
    };
    private final AgentConfig config = AgentFlagsTest.defaults().toConfig();
    private final EmbeddedChannel channel = new EmbeddedChannel();

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    private void start() {
        channel.pipeline()
                .addLast(PipelineNames.FRAME_DECODER, new TunnelFrameDecoder())
                .addLast(PipelineNames.HANDSHAKE,
                        new AgentHandshakeHandler(config, new ServerAddress("server.example", 8091),
                                (stream, dial) -> { }, (link, stream, result) -> { }, links,
                                AgentHandshakeHandler.newFailureLog()));
    }

    @Test
    void helloAfterTlsThenTheServersAckInstallsTheLink() {
        start();
        channel.pipeline().fireUserEventTriggered(SslHandshakeCompletionEvent.SUCCESS);
        assertThat((Object) channel.readOutbound()).isEqualTo(new HelloFrame(ProtocolConstants.VERSION,
                config.linkSettings()));

        channel.writeInbound(new HelloAckFrame(ProtocolConstants.VERSION,
                TunnelSettings.DEFAULT.withMaxFrameSize(32 * 1024)));
        assertThat(established).singleElement()
                .satisfies(link -> assertThat(link.link().peerSettings().maxFrameSize()).isEqualTo(32 * 1024));
        assertThat(channel.pipeline().get(PipelineNames.LINK)).isInstanceOf(AgentLinkHandler.class);
        assertThat(channel.pipeline().get(PipelineNames.HANDSHAKE)).isNull();
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void helloCarriesTheAgentIdentifiers() {
        AgentConfig withIds = AgentFlagsTest.parse("--ca-cert", "c", "--agent-cert", "a", "--agent-key", "k",
                "--agent-identifiers", "host=DB.internal&cidr=10.0.0.0/16&default-route=true").toConfig();
        channel.pipeline()
                .addLast(PipelineNames.FRAME_DECODER, new TunnelFrameDecoder())
                .addLast(PipelineNames.HANDSHAKE, new AgentHandshakeHandler(withIds,
                        new ServerAddress("server.example", 8091), (stream, dial) -> { }, (link, stream, result) -> { },
                        links, AgentHandshakeHandler.newFailureLog()));
        channel.pipeline().fireUserEventTriggered(SslHandshakeCompletionEvent.SUCCESS);

        assertThat((Object) channel.readOutbound()).isEqualTo(new HelloFrame(ProtocolConstants.VERSION,
                withIds.linkSettings(), "host=db.internal&cidr=10.0.0.0/16&default-route=true"));
    }

    @Test
    void theAckNamesTheServerAndHowManyThereAre() {
        start();
        channel.pipeline().fireUserEventTriggered(SslHandshakeCompletionEvent.SUCCESS);
        channel.readOutbound();
        channel.writeInbound(HelloAckFrame.of(ProtocolConstants.VERSION, TunnelSettings.DEFAULT, "server-b", 3));

        assertThat(established).singleElement().satisfies(link -> {
            assertThat(link.serverId()).isEqualTo("server-b");
            assertThat(link.serverCount()).isEqualTo(3);
            assertThat(link.link().peerId()).isEqualTo("server-b");
        });
    }

    @Test
    void aServerThatSaysNothingIsOneServerOfOneNamedByItsAddress() {
        start();
        channel.pipeline().fireUserEventTriggered(SslHandshakeCompletionEvent.SUCCESS);
        channel.readOutbound();
        channel.writeInbound(new HelloAckFrame(ProtocolConstants.VERSION, TunnelSettings.DEFAULT));

        assertThat(established).singleElement().satisfies(link -> {
            assertThat(link.serverId()).isEmpty();
            assertThat(link.serverCount()).isEqualTo(1);
            assertThat(link.link().peerId()).isEqualTo("server.example:8091");
        });
    }

    @Test
    void aGoAwayInsteadOfTheAckEndsTheAttempt() {
        start();
        channel.pipeline().fireUserEventTriggered(SslHandshakeCompletionEvent.SUCCESS);
        channel.readOutbound();
        channel.writeInbound(new GoAwayFrame(0, TunnelErrorCode.UNSUPPORTED_VERSION, "server speaks version 2"));

        assertThat(established).isEmpty();
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void aFailedTlsHandshakeClosesWithoutHello() {
        start();
        channel.pipeline().fireUserEventTriggered(new SslHandshakeCompletionEvent(new SSLHandshakeException("bad")));

        assertThat((Object) channel.readOutbound()).isNull();
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void silenceAfterHelloEndsTheAttemptAtTheHandshakeTimeout() {
        start();
        channel.pipeline().fireUserEventTriggered(SslHandshakeCompletionEvent.SUCCESS);
        channel.advanceTimeBy(10, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();

        assertThat(channel.isOpen()).isFalse();
        assertThat(established).isEmpty();
    }
}
