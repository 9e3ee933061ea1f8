package io.tunnel.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.tunnel.core.PipelineNames;
import io.tunnel.core.protocol.CloseFrame;
import io.tunnel.core.protocol.DataFrame;
import io.tunnel.core.protocol.DialFrame;
import io.tunnel.core.protocol.DialResultFrame;
import io.tunnel.core.protocol.ResetFrame;
import io.tunnel.core.protocol.TunnelErrorCode;
import io.tunnel.core.protocol.TunnelFrame;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The CONNECT exchange of one frontend connection, up to its hand-over to the stream. */
class ConnectHandlerTest {
    private static final String CONNECT = "CONNECT db.internal:5432 HTTP/1.1\r\nHost: db.internal:5432\r\n\r\n";
    private static final String ESTABLISHED = "HTTP/1.1 200 Connection established\r\n\r\n";

    private final LinkFixture fixture = new LinkFixture();

    @AfterEach
    void close() {
        fixture.close();
    }

    private static String text(DataFrame data) {
        String s = data.content().toString(StandardCharsets.ISO_8859_1);
        data.release();
        return s;
    }

    @Test
    void aDialThatSucceedsAnswers200ThenRelaysWhatTheClientSentEarly() {
        fixture.frontendPipeline(true);
        fixture.fromClient(CONNECT + "early bytes");

        List<TunnelFrame> frames = fixture.framesToAgent();
        assertThat(frames).containsExactly(new DialFrame(1, "db.internal", 5432, 5_000));
        assertThat(fixture.toClient()).as("nothing before the agent answers").isEmpty();

        fixture.fromAgent(DialResultFrame.success(1));
        assertThat(fixture.toClient()).isEqualTo(ESTABLISHED);
        List<TunnelFrame> data = fixture.framesToAgent();
        assertThat(data).hasSize(1);
        assertThat(text((DataFrame) data.get(0))).isEqualTo("early bytes");
        assertThat(fixture.frontend.pipeline().get(PipelineNames.CONNECT)).as("left the pipeline").isNull();
        assertThat(fixture.frontend.pipeline().get(PipelineNames.CONNECT_DECODER)).isNull();
        assertThat(fixture.frontend.config().isAutoRead()).as("relaying").isTrue();

        fixture.fromClient("later");
        assertThat(text((DataFrame) fixture.framesToAgent().get(0))).isEqualTo("later");
    }

    @Test
    void anEndOfInputRightBehindTheHeadBecomesCloseAfterTheDial() {
        fixture.frontendPipeline(true);
        fixture.fromClient(CONNECT + "q");
        fixture.frontend.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        fixture.framesToAgent();

        fixture.fromAgent(DialResultFrame.success(1));
        List<TunnelFrame> frames = fixture.framesToAgent();
        assertThat(frames).hasSize(2).last().isEqualTo(new CloseFrame(1));
        assertThat(text((DataFrame) frames.get(0))).isEqualTo("q");
    }

    @Test
    void aFailedDialIsAnswered502AndTheEarlyBytesAreDropped() {
        fixture.frontendPipeline(true);
        fixture.fromClient(CONNECT + "never sent");
        fixture.framesToAgent();

        fixture.fromAgent(DialResultFrame.failure(1, TunnelErrorCode.CONNECTION_REFUSED, "refused"));
        assertThat(fixture.toClient()).startsWith("HTTP/1.1 502 Bad Gateway\r\n");
        assertThat(fixture.framesToAgent()).isEmpty();
        assertThat(fixture.frontend.isOpen()).isFalse();
        assertThat(fixture.answered(502)).isEqualTo(1);
    }

    @Test
    void noAgentIsAnswered503() {
        fixture.frontendPipeline(false);
        fixture.fromClient(CONNECT);

        assertThat(fixture.toClient()).startsWith("HTTP/1.1 503 Service Unavailable\r\n");
        assertThat(fixture.frontend.isOpen()).isFalse();
        assertThat(fixture.framesToAgent()).isEmpty();
        assertThat(fixture.answered(503)).isEqualTo(1);
    }

    @Test
    void aHeadNotCompleteInTimeIsAnswered408() {
        fixture.frontendPipeline(true);
        fixture.fromClient("CONNECT db.internal:5432 HTTP/1.1\r\nHost: db");
        fixture.frontend.advanceTimeBy(10, TimeUnit.SECONDS);
        fixture.frontend.runScheduledPendingTasks();

        assertThat(fixture.toClient()).startsWith("HTTP/1.1 408 Request Timeout\r\n");
        assertThat(fixture.frontend.isOpen()).isFalse();
    }

    @Test
    void aMalformedRequestFollowedByTheClientsEndIsAnsweredAndCountedOnce() {
        fixture.frontendPipeline(true);
        fixture.fromClient("GET / HTTP/1.1\r\n\r\n");
        fixture.frontend.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);

        assertThat(fixture.toClient()).startsWith("HTTP/1.1 405 Method Not Allowed\r\n")
                .containsOnlyOnce("HTTP/1.1");
        assertThat(fixture.answered(405)).isEqualTo(1);
        assertThat(fixture.answered(400)).isZero();
    }

    @Test
    void theEndOfInputBeforeTheHeadEndedIsAnswered400() {
        fixture.frontendPipeline(true);
        fixture.fromClient("CONNECT db.internal:5432 HTTP/1.1\r\n");
        fixture.frontend.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);

        assertThat(fixture.toClient()).startsWith("HTTP/1.1 400 Bad Request\r\n");
    }

    @Test
    void aClientThatGoesAwayWhileTheAgentDialsCancelsTheStream() {
        fixture.frontendPipeline(true);
        fixture.fromClient(CONNECT);
        fixture.framesToAgent();

        fixture.frontend.close();
        assertThat(fixture.framesToAgent()).containsExactly(new ResetFrame(1, TunnelErrorCode.CANCEL));
        fixture.fromAgent(DialResultFrame.success(1)); // crossed the RESET: ignored
        assertThat(fixture.framesToAgent()).isEmpty();
        assertThat(fixture.link.streamCount()).isZero();
    }

    @Test
    void bytesThatArriveAfterARefusalAreReleased() {
        fixture.frontendPipeline(false);
        fixture.fromClient(CONNECT);
        fixture.toClient();
        // The channel is closed; a late read must not leak (paranoid leak detection checks it).
        fixture.frontend.pipeline().fireChannelRead(Unpooled.copiedBuffer("late", StandardCharsets.US_ASCII));
        assertThat(fixture.frontend.isOpen()).isFalse();
    }
}
