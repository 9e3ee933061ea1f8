package io.tunnel.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.tunnel.core.PipelineNames;
import io.tunnel.core.protocol.AgentIdentifiers;
import io.tunnel.core.protocol.CloseFrame;
import io.tunnel.core.protocol.DataFrame;
import io.tunnel.core.protocol.DialFrame;
import io.tunnel.core.protocol.DialResultFrame;
import io.tunnel.core.protocol.TunnelErrorCode;
import io.tunnel.core.protocol.TunnelFrame;
import io.tunnel.core.tls.ClientHellos;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The SNI frontend from the ClientHello to the relay: the dial, the replay, and each refusal's alert. */
class SniConnectHandlerTest {
    private static final SniRoutes ROUTES = SniHelloDecoderTest.routes("private-api.internal=10.0.0.5:443",
            "db.internal=db.internal:5432");
    private static final byte[] HELLO = ClientHellos.of("private-api.internal");

    private final LinkFixture fixture = new LinkFixture();
    private LinkFixture.Frontend client;

    @AfterEach
    void close() {
        if (client != null) {
            client.close();
        }
        fixture.close();
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    private static byte[] bytes(DataFrame data) {
        try {
            return ByteBufUtil.getBytes(data.content());
        } finally {
            data.release();
        }
    }

    private static String alert(TlsAlert alert) {
        ByteBuf buf = alert.toBuffer();
        return buf.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void aRoutedClientHelloIsReplayedToTheDestinationOnceTheDialSucceeded() {
        client = fixture.newSniFrontend(ROUTES, false, true);
        client.fromClient(text(HELLO));

        assertThat(fixture.framesToAgent()).containsExactly(new DialFrame(1, "10.0.0.5", 443, 5_000));
        fixture.fromAgent(DialResultFrame.success(1));

        assertThat(client.toClient()).as("no answer of the frontend's own: the destination speaks").isEmpty();
        List<TunnelFrame> frames = fixture.framesToAgent();
        assertThat(frames).hasSize(1);
        assertThat(bytes((DataFrame) frames.get(0))).isEqualTo(HELLO);
        assertThat(client.channel.pipeline().names()).contains(PipelineNames.RELAY)
                .doesNotContain(PipelineNames.SNI_HELLO, PipelineNames.SNI);
        assertThat(client.channel.config().isAutoRead()).as("relaying").isTrue();
    }

    @Test
    void withTheProxyProtocolTheHeaderGoesAheadOfTheClientHello() {
        client = fixture.newSniFrontend(ROUTES, true, true);
        client.fromClient(text(HELLO));
        fixture.framesToAgent();
        fixture.fromAgent(DialResultFrame.success(1));

        byte[] sent = bytes((DataFrame) fixture.framesToAgent().get(0));
        ByteBuf header = ProxyProtocolHeader.of(client.channel);
        byte[] expected = ByteBufUtil.getBytes(header);
        header.release();
        assertThat(Arrays.copyOf(sent, expected.length)).isEqualTo(expected);
        assertThat(Arrays.copyOfRange(sent, expected.length, sent.length)).isEqualTo(HELLO);
    }

    @Test
    void theRoutesDestinationHostPicksTheAgentByTheRoutingStrategies() {
        LinkFixture.AgentLink db = fixture.addLink("agent-2", AgentIdentifiers.parse("host=db.internal"));
        client = fixture.newSniFrontend(ROUTES, false, true);
        client.fromClient(text(ClientHellos.of("db.internal")));

        assertThat(fixture.framesToAgent()).isEmpty();
        assertThat(db.frames()).containsExactly(new DialFrame(1, "db.internal", 5432, 5_000));
    }

    @Test
    void anEndOfInputDuringTheDialBecomesCloseAfterTheClientHello() {
        client = fixture.newSniFrontend(ROUTES, false, true);
        client.fromClient(text(HELLO));
        client.channel.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        fixture.framesToAgent();

        fixture.fromAgent(DialResultFrame.success(1));
        List<TunnelFrame> frames = fixture.framesToAgent();
        assertThat(frames).hasSize(2).last().isEqualTo(new CloseFrame(1));
        assertThat(bytes((DataFrame) frames.get(0))).isEqualTo(HELLO);
    }

    @Test
    void anUnknownNameIsAnsweredUnrecognizedNameAndClosed() {
        client = fixture.newSniFrontend(ROUTES, false, true);
        client.fromClient(text(ClientHellos.of("elsewhere.example")));

        assertThat(client.toClient()).isEqualTo(alert(TlsAlert.UNRECOGNIZED_NAME));
        assertThat(client.channel.isOpen()).isFalse();
        assertThat(fixture.framesToAgent()).isEmpty();
        assertThat(fixture.answered(403)).isEqualTo(1);
    }

    @Test
    void plainHttpIsClosedWithoutAWord() {
        client = fixture.newSniFrontend(ROUTES, false, true);
        client.fromClient("GET / HTTP/1.1\r\nHost: private-api.internal\r\n\r\n");

        assertThat(client.toClient()).isEmpty();
        assertThat(client.channel.isOpen()).isFalse();
        assertThat(fixture.answered(400)).isEqualTo(1);
    }

    @Test
    void noAgentIsAnsweredInternalError() {
        client = fixture.newSniFrontend(ROUTES, false, false);
        client.fromClient(text(HELLO));

        assertThat(client.toClient()).isEqualTo(alert(TlsAlert.INTERNAL_ERROR));
        assertThat(client.channel.isOpen()).isFalse();
        assertThat(fixture.answered(503)).isEqualTo(1);
    }

    @Test
    void aFailedDialIsAnsweredWithAnAlertAndTheClientHelloGoesNowhere() {
        client = fixture.newSniFrontend(ROUTES, false, true);
        client.fromClient(text(HELLO));
        fixture.framesToAgent();

        fixture.fromAgent(DialResultFrame.failure(1, TunnelErrorCode.CONNECTION_REFUSED, "refused"));
        assertThat(client.toClient()).isEqualTo(alert(TlsAlert.INTERNAL_ERROR));
        assertThat(fixture.framesToAgent()).isEmpty();
        assertThat(client.channel.isOpen()).isFalse();
        assertThat(fixture.answered(502)).isEqualTo(1);
    }

    @Test
    void aDestinationTheAgentsPolicyRefusesIsAnsweredAccessDenied() {
        client = fixture.newSniFrontend(ROUTES, false, true);
        client.fromClient(text(HELLO));
        fixture.framesToAgent();

        fixture.fromAgent(DialResultFrame.failure(1, TunnelErrorCode.POLICY_DENIED, "not allowed"));
        assertThat(client.toClient()).isEqualTo(alert(TlsAlert.ACCESS_DENIED));
        assertThat(fixture.answered(403)).isEqualTo(1);
    }
}
