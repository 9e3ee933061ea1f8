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
import io.tunnel.core.protocol.WindowUpdateFrame;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link ForwardHandler} and {@link ForwardExchange} on a frontend connection and an agent link
 * ({@link LinkFixture}): absolute-form requests forwarded through a stream each, heads rewritten both ways, bodies
 * by length and by chunks, keep-alive across destinations, pipelined requests in order, a CONNECT after them, and
 * every failure's answer. Paranoid leak detection checks every buffer.
 */
class ForwardHandlerTest {
    private static final String GET = "GET http://web.internal:8080/a?b=c HTTP/1.1\r\nHost: web.internal:8080\r\n"
            + "Proxy-Connection: keep-alive\r\nProxy-Authorization: Basic e30=\r\nConnection: X-Hop, keep-alive\r\n"
            + "X-Hop: 1\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\nUser-Agent: test\r\n\r\n";
    private static final String OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nKeep-Alive: timeout=5\r\n"
            + "Connection: keep-alive\r\n\r\nhi";

    /** The head timeout of {@link LinkFixture}'s frontend. */
    private static final long HEAD_TIMEOUT_MILLIS = 10_000;

    private LinkFixture fixture;

    @AfterEach
    void close() {
        fixture.close();
    }

    private LinkFixture fixture() {
        fixture = new LinkFixture();
        fixture.frontendPipeline(true);
        return fixture;
    }

    private static String text(TunnelFrame frame) {
        DataFrame data = (DataFrame) frame;
        String text = data.content().toString(StandardCharsets.ISO_8859_1);
        data.release();
        return text;
    }

    /** What the agent got as the stream's bytes (DATA), and whether CLOSE came after them. */
    private String dataToAgent() {
        StringBuilder sb = new StringBuilder();
        for (TunnelFrame frame : fixture.framesToAgent()) {
            if (frame instanceof DataFrame) {
                sb.append(text(frame));
            } else if (frame instanceof CloseFrame) {
                sb.append("<CLOSE>");
            }
        }
        return sb.toString();
    }

    private void fromDestination(int stream, String text) {
        fixture.fromAgent(new DataFrame(stream, Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1)));
    }

    /** Serves one request on stream {@code id}: DIAL checked, dial succeeded, request read, response sent. */
    private String exchange(int id, String host, int port, String response) {
        List<TunnelFrame> dial = fixture.framesToAgent();
        assertThat(dial).filteredOn(DialFrame.class::isInstance).singleElement().isInstanceOfSatisfying(DialFrame.class, d -> {
            assertThat(d.streamId()).isEqualTo(id);
            assertThat(d.host()).isEqualTo(host);
            assertThat(d.port()).isEqualTo(port);
        });
        fixture.fromAgent(DialResultFrame.success(id));
        String request = dataToAgent();
        fromDestination(id, response);
        return request.toLowerCase(Locale.ROOT);
    }

    @Test
    void aGetIsForwardedInOriginFormWithoutHopByHopFieldsAndWithVia() {
        fixture();
        fixture.fromClient(GET);
        assertThat(fixture.frontend.config().isAutoRead()).as("nothing read while the stream dials").isFalse();

        String request = exchange(1, "web.internal", 8080, OK);
        assertThat(request).startsWith("get /a?b=c http/1.1\r\n")
                .contains("host: web.internal:8080\r\n", "user-agent: test\r\n", "via: 1.1 tunnel\r\n",
                        "connection: close\r\n")
                .doesNotContainIgnoringCase("proxy-").doesNotContainIgnoringCase("x-hop")
                .doesNotContainIgnoringCase("keep-alive").doesNotContainIgnoringCase("te:").endsWith("\r\n\r\n");

        String response = fixture.toClient().toLowerCase(Locale.ROOT);
        assertThat(response).startsWith("http/1.1 200 ok\r\n").contains("content-length: 2\r\n", "via: 1.1 tunnel\r\n")
                .doesNotContainIgnoringCase("keep-alive").doesNotContainIgnoringCase("connection:").endsWith("\r\n\r\nhi");
        assertThat(fixture.framesToAgent()).as("the exchange ended: CLOSE").contains(new CloseFrame(1));
        assertThat(fixture.frontend.isOpen()).as("kept alive").isTrue();
        assertThat(fixture.frontend.config().isAutoRead()).as("reading the next request").isTrue();
        assertThat(fixture.frontend.pipeline().get(PipelineNames.FORWARD)).isNotNull();
        fixture.fromAgent(new CloseFrame(1));
        assertThat(fixture.forwarded(200)).isEqualTo(1);
        assertThat(fixture.answered(200)).as("no CONNECT counted").isZero();
    }

    @Test
    void keepAliveServesTheNextRequestToAnotherHostThroughAStreamOfItsOwn() {
        fixture();
        fixture.fromClient(GET);
        exchange(1, "web.internal", 8080, OK);
        assertThat(fixture.toClient()).endsWith("hi");
        fixture.fromAgent(new CloseFrame(1));

        fixture.fromClient("GET http://db.internal/x HTTP/1.1\r\nHost: db.internal\r\n\r\n");
        String second = exchange(2, "db.internal", 80, "HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\n\r\nnope");
        assertThat(second).startsWith("get /x http/1.1\r\n").contains("host: db.internal\r\n");
        assertThat(fixture.toClient()).startsWith("HTTP/1.1 404 Not Found\r\n").endsWith("nope");
        fixture.fromAgent(new CloseFrame(2));
        assertThat(fixture.forwarded(200)).isEqualTo(1);
        assertThat(fixture.forwarded(404)).isEqualTo(1);
        assertThat(fixture.frontend.isOpen()).isTrue();
    }

    @Test
    void pipelinedRequestsAreServedInOrderNeverInterleaved() {
        fixture();
        fixture.fromClient(GET + "GET http://db.internal/x HTTP/1.1\r\n\r\n");
        assertThat(fixture.framesToAgent()).as("one DIAL: the second request waits").hasSize(1)
                .allMatch(DialFrame.class::isInstance);
        fixture.fromAgent(DialResultFrame.success(1));
        assertThat(dataToAgent()).startsWith("GET /a?b=c ");
        assertThat(fixture.framesToAgent()).as("still waiting for the first response").isEmpty();

        fromDestination(1, OK);
        assertThat(fixture.toClient()).endsWith("hi");
        List<TunnelFrame> frames = fixture.framesToAgent();
        assertThat(frames).contains(new CloseFrame(1));
        assertThat(frames).filteredOn(DialFrame.class::isInstance).singleElement()
                .isInstanceOfSatisfying(DialFrame.class, d -> assertThat(d.host()).isEqualTo("db.internal"));
        fixture.fromAgent(DialResultFrame.success(2));
        assertThat(dataToAgent()).startsWith("GET /x ");
        fromDestination(2, OK);
        assertThat(fixture.toClient()).startsWith("HTTP/1.1 200 OK\r\n").endsWith("hi");
    }

    @Test
    void aBodyByLengthStreamsToTheDestinationAsItComes() {
        fixture();
        fixture.fromClient("POST http://web.internal/form HTTP/1.1\r\nContent-Length: 10\r\n\r\nhello");
        fixture.fromAgent(DialResultFrame.success(1));
        assertThat(dataToAgent()).startsWith("POST /form HTTP/1.1\r\n").contains("Content-Length: 10\r\n")
                .endsWith("\r\n\r\nhello");
        assertThat(fixture.frontend.config().isAutoRead()).as("more body to read").isTrue();
        fixture.fromClient("world");
        assertThat(dataToAgent()).isEqualTo("world");
        assertThat(fixture.frontend.config().isAutoRead()).as("the request was read").isFalse();
        fromDestination(1, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
        assertThat(fixture.toClient()).startsWith("HTTP/1.1 201 Created\r\n");
    }

    @Test
    void chunkedBodiesStayChunkedBothWaysAndACloseDelimitedResponseIsChunkedForTheClient() {
        fixture();
        fixture.fromClient("PUT http://web.internal/up HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
        fixture.fromAgent(DialResultFrame.success(1));
        assertThat(dataToAgent()).startsWith("PUT /up HTTP/1.1\r\n").contains("transfer-encoding: chunked\r\n")
                .endsWith("\r\n\r\n5\r\nhello\r\n");
        fixture.fromClient("0\r\nX-Trailer: dropped\r\n\r\n");
        assertThat(dataToAgent()).as("the last chunk, without trailer fields").isEqualTo("0\r\n\r\n");

        fromDestination(1, "HTTP/1.1 200 OK\r\n\r\npart one,");
        assertThat(fixture.toClient()).startsWith("HTTP/1.1 200 OK\r\n").contains("transfer-encoding: chunked\r\n")
                .endsWith("\r\n\r\n9\r\npart one,\r\n");
        fromDestination(1, " two");
        fixture.fromAgent(new CloseFrame(1)); // the destination's close ends the response
        assertThat(fixture.toClient()).isEqualTo("4\r\n two\r\n0\r\n\r\n");
        assertThat(fixture.frontend.isOpen()).as("the chunks told the end: kept alive").isTrue();
    }

    @Test
    void aResponseToHeadHasNoBody() {
        fixture();
        fixture.fromClient("HEAD http://web.internal/ HTTP/1.1\r\n\r\n");
        exchange(1, "web.internal", 80, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n");
        assertThat(fixture.toClient()).startsWith("HTTP/1.1 200 OK\r\n").contains("Content-Length: 1000\r\n")
                .endsWith("\r\n\r\n");
        assertThat(fixture.frontend.isOpen()).isTrue();
    }

    @Test
    void anHttp10ClientWithoutKeepAliveIsClosedAfterItsResponse() {
        fixture();
        fixture.fromClient("GET http://web.internal/ HTTP/1.0\r\n\r\n");
        exchange(1, "web.internal", 80, OK);
        assertThat(fixture.toClient()).startsWith("HTTP/1.1 200 OK\r\n").contains("connection: close\r\n")
                .endsWith("hi");
        assertThat(fixture.frontend.isOpen()).isFalse();
    }

    @Test
    void aConnectAfterForwardedRequestsIsServedAsATunnel() {
        fixture();
        fixture.fromClient(GET);
        exchange(1, "web.internal", 8080, OK);
        assertThat(fixture.toClient()).endsWith("hi");
        fixture.fromAgent(new CloseFrame(1));

        fixture.fromClient("CONNECT db.internal:5432 HTTP/1.1\r\n\r\nearly");
        assertThat(fixture.framesToAgent()).filteredOn(DialFrame.class::isInstance).hasSize(1);
        fixture.fromAgent(DialResultFrame.success(2));
        assertThat(fixture.toClient()).startsWith("HTTP/1.1 200 Connection established\r\n");
        assertThat(dataToAgent()).isEqualTo("early");
        assertThat(fixture.frontend.pipeline().names()).doesNotContain(PipelineNames.FORWARD,
                PipelineNames.FRONTEND_ENCODER, PipelineNames.CONNECT_DECODER, PipelineNames.CONNECT);
    }

    @Test
    void anHttpsTargetIsAnswered400WithAConstantBody() {
        fixture();
        fixture.fromClient("GET https://web.internal/ HTTP/1.1\r\n\r\n");
        assertThat(fixture.toClient()).startsWith("HTTP/1.1 400 Bad Request\r\n")
                .endsWith("\r\n\r\nhttps:// targets are not forwarded: use CONNECT (https_proxy)\n");
        assertThat(fixture.framesToAgent()).isEmpty();
        assertThat(fixture.frontend.isOpen()).isFalse();
    }

    @Test
    void aBadSecondRequestIsAnswered400AfterTheFirstResponse() {
        fixture();
        fixture.fromClient(GET);
        exchange(1, "web.internal", 8080, OK);
        assertThat(fixture.toClient()).endsWith("hi");
        fixture.fromClient("GET http://web.internal/ HTTP/1.1\r\nBad Header\r\n\r\n");
        assertThat(fixture.toClient()).startsWith("HTTP/1.1 400 Bad Request\r\n");
        assertThat(fixture.frontend.isOpen()).isFalse();
    }

    @Test
    void dialErrorsAreAnsweredAsForAConnect() {
        fixture();
        fixture.fromClient(GET);
        fixture.framesToAgent();
        fixture.fromAgent(DialResultFrame.failure(1, TunnelErrorCode.CONNECTION_REFUSED, "refused"));
        assertThat(fixture.toClient()).startsWith("HTTP/1.1 502 Bad Gateway\r\n");
        assertThat(fixture.frontend.isOpen()).isFalse();
        assertThat(fixture.forwarded(502)).isEqualTo(1);
    }

    @Test
    void noAgentIsAnswered503() {
        fixture = new LinkFixture();
        fixture.frontendPipeline(false);
        fixture.fromClient(GET);
        assertThat(fixture.toClient()).startsWith("HTTP/1.1 503 Service Unavailable\r\n");
        assertThat(fixture.forwarded(503)).isEqualTo(1);
    }

    @Test
    void aMalformedResponseIsAnswered502AndTheStreamReset() {
        fixture();
        fixture.fromClient(GET);
        exchange(1, "web.internal", 8080, "SSH-2.0-OpenSSH\r\n\r\n");
        assertThat(fixture.toClient()).startsWith("HTTP/1.1 502 Bad Gateway\r\n");
        assertThat(fixture.framesToAgent()).contains(new ResetFrame(1, TunnelErrorCode.CANCEL));
        assertThat(fixture.frontend.isOpen()).isFalse();
    }

    @Test
    void aResponseCutShortAfterItsHeadResetsTheClientConnection() {
        fixture();
        fixture.fromClient(GET);
        exchange(1, "web.internal", 8080, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nsome");
        assertThat(fixture.toClient()).startsWith("HTTP/1.1 200 OK\r\n").endsWith("some");
        fixture.fromAgent(new CloseFrame(1));
        assertThat(fixture.frontend.isOpen()).as("never taken for a complete response").isFalse();
    }

    @Test
    void aBodyCutShortByTheClientIsAnswered400() {
        fixture();
        fixture.fromClient("POST http://web.internal/ HTTP/1.1\r\nContent-Length: 10\r\n\r\nhel");
        fixture.fromAgent(DialResultFrame.success(1));
        dataToAgent();
        fixture.frontend.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        fixture.runTasks();
        assertThat(fixture.toClient()).startsWith("HTTP/1.1 400 Bad Request\r\n");
        assertThat(fixture.framesToAgent()).contains(new ResetFrame(1, TunnelErrorCode.CANCEL));
    }

    @Test
    void theResponseBodyIsCreditedOnlyOnceWrittenToTheClient() {
        fixture();
        fixture.fromClient(GET);
        exchange(1, "web.internal", 8080, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n");
        fixture.framesToAgent();
        fromDestination(1, "hello");
        assertThat(fixture.toClient()).endsWith("hello");
        assertThat(fixture.framesToAgent()).as("credit returned for what reached the client, or the CLOSE")
                .anyMatch(f -> f instanceof WindowUpdateFrame || f instanceof CloseFrame);
    }

    @Test
    void anIdleKeptAliveConnectionIsClosedWithoutAnAnswer() {
        fixture();
        fixture.fromClient(GET);
        exchange(1, "web.internal", 8080, OK);
        assertThat(fixture.toClient()).endsWith("hi");
        fixture.advance(HEAD_TIMEOUT_MILLIS);
        assertThat(fixture.toClient()).isEmpty();
        assertThat(fixture.frontend.isOpen()).isFalse();
    }

    @Test
    void aHeadStartedButNotEndedInTimeIsAnswered408() {
        fixture();
        fixture.fromClient(GET);
        exchange(1, "web.internal", 8080, OK);
        assertThat(fixture.toClient()).endsWith("hi");
        fixture.fromClient("GET http://web.internal/ HTTP/1.1\r\n");
        fixture.advance(HEAD_TIMEOUT_MILLIS);
        assertThat(fixture.toClient()).startsWith("HTTP/1.1 408 Request Timeout\r\n");
    }

    @Test
    void theClientGoingAwayMidExchangeResetsTheStreamAndReleasesEverything() {
        fixture();
        fixture.fromClient("POST http://web.internal/ HTTP/1.1\r\nContent-Length: 10\r\n\r\nhel"
                + "GET http://db.internal/ HTTP/1.1\r\n\r\n");
        fixture.fromAgent(DialResultFrame.success(1));
        dataToAgent();
        fixture.frontend.close();
        fixture.runTasks();
        assertThat(fixture.framesToAgent()).anyMatch(f -> f instanceof ResetFrame || f instanceof CloseFrame);
    }
}
