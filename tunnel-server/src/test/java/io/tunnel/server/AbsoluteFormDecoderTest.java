package io.tunnel.server;

import static io.tunnel.server.FrontendDecoding.END;
import static io.tunnel.server.FrontendDecoding.bytes;
import static io.tunnel.server.FrontendDecoding.decode;
import static io.tunnel.server.FrontendDecoding.everyByte;
import static org.assertj.core.api.Assertions.assertThat;

import io.tunnel.server.FrontendDecoding.Forwarded;
import io.tunnel.server.FrontendDecoding.Outcome;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link FrontendRequestDecoder} on absolute-form requests ({@code http_proxy}): the target taken apart, bodies by
 * length and by chunks, several requests on one connection, a CONNECT after them, and what it refuses.
 */
class AbsoluteFormDecoderTest {
    private static final String GET = "GET http://example.com:8080/a/b?c=d HTTP/1.1\r\nHost: example.com:8080\r\n"
            + "Accept: */*\r\n\r\n";

    private static Forwarded forwarded(Outcome outcome, int index) {
        assertThat(outcome.answers().get(index)).isInstanceOf(Forwarded.class);
        return (Forwarded) outcome.answers().get(index);
    }

    @Test
    void anAbsoluteFormGetIsForwardedWithItsTargetTakenApart() {
        Outcome outcome = decode(GET);
        assertThat(outcome.answers()).hasSize(1);
        Forwarded get = forwarded(outcome, 0);
        assertThat(get.connect()).isEqualTo(new ConnectRequest("example.com", 8080));
        assertThat(get.target()).isEqualTo(new RequestTargets.Absolute(get.connect(), "example.com:8080", "/a/b?c=d"));
        assertThat(get.target().logTarget()).as("no query in the log").isEqualTo("http://example.com:8080/a/b");
        assertThat(get.method()).isEqualTo("GET");
        assertThat(get.version()).isEqualTo("HTTP/1.1");
        assertThat(outcome.body()).as("no body: its end at once").isEqualTo(END);
        assertThat(outcome.inBody()).isFalse();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "http://example.com, example.com, 80, example.com, /",
            "http://example.com?q=1, example.com, 80, example.com, /?q=1",
            "HTTP://Example.COM:81/X, Example.COM, 81, Example.COM:81, /X",
            "http://10.0.0.5:8080/, 10.0.0.5, 8080, 10.0.0.5:8080, /",
            "http://[::1]/p, ::1, 80, [::1], /p",
            "http://[2001:db8::7]:8443/p?q, 2001:db8::7, 8443, [2001:db8::7]:8443, /p?q",
            "http://db.internal./x/../y, db.internal., 80, db.internal., /x/../y"})
    void theTargetNamesHostPortAndOriginForm(String uri, String host, int port, String authority, String path) {
        Forwarded get = forwarded(decode("GET " + uri + " HTTP/1.1\r\n\r\n"), 0);
        assertThat(get.connect()).isEqualTo(new ConnectRequest(host, port));
        assertThat(get.target().authority()).isEqualTo(authority);
        assertThat(get.target().originForm()).isEqualTo(path);
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://", "http:///x", "http://user@example.com/", "http://user:pw@example.com/",
            "http://example.com:/", "http://example.com:0/", "http://example.com:65536/", "http://example.com:8o/",
            "http://example.com/#fragment", "http://[::1/", "http://2001:db8::7/", "http://exa%mple.com/",
            "http://\u00e9xample.com/", "ftp://example.com/", "ws://example.com/"})
    void aMalformedOrOtherAbsoluteTargetIs400(String uri) {
        assertThat(decode("GET " + uri + " HTTP/1.1\r\n\r\n").rejectionStatus()).as(uri).isEqualTo(400);
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://example.com/", "HTTPS://example.com:443/x", "https://[::1]:8443/"})
    void anHttpsTargetIs400TellingToUseConnect(String uri) {
        Outcome outcome = decode("GET " + uri + " HTTP/1.1\r\nHost: example.com\r\n\r\n");
        assertThat(outcome.rejectionStatus()).isEqualTo(400);
        assertThat(((ConnectRejection) outcome.answer()).response()).isEqualTo(ProxyResponse.HTTPS_NEEDS_CONNECT);
    }

    @Test
    void anyMethodIsForwarded() {
        for (String method : List.of("POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "TRACE", "PROPFIND")) {
            assertThat(forwarded(decode(method + " http://example.com/ HTTP/1.1\r\n\r\n"), 0).method())
                    .isEqualTo(method);
        }
        assertThat(forwarded(decode("GET http://example.com/ HTTP/1.0\r\n\r\n"), 0).version()).isEqualTo("HTTP/1.0");
    }

    @Test
    void aBodyByLengthFollowsItsHeadAsSlices() {
        Outcome outcome = decode("POST http://example.com/ HTTP/1.1\r\nContent-Length: 11\r\n\r\nhello world");
        assertThat(forwarded(outcome, 0).method()).isEqualTo("POST");
        assertThat(outcome.body()).isEqualTo("hello world" + END);
    }

    @Test
    void aChunkedBodyIsDechunkedAndItsTrailerEndsIt() {
        Outcome outcome = decode("PUT http://example.com/up HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n");
        assertThat(outcome.body()).isEqualTo("hello world" + END);
        assertThat(outcome.inBody()).isFalse();
    }

    @Test
    void aBodyCutShortAwaitsMore() {
        Outcome outcome = decode("POST http://example.com/ HTTP/1.1\r\nContent-Length: 100\r\n\r\nhello");
        assertThat(outcome.body()).isEqualTo("hello");
        assertThat(outcome.inBody()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"Content-Length: 1\r\nContent-Length: 2", "Content-Length: -1", "Content-Length: x",
            "Transfer-Encoding: gzip", "Transfer-Encoding: chunked\r\nContent-Length: 5",
            "Transfer-Encoding: chunked, chunked"})
    void anAmbiguousOrUnknownFramingIs400(String framing) {
        assertThat(decode("POST http://example.com/ HTTP/1.1\r\n" + framing + "\r\n\r\n").rejectionStatus())
                .as(framing).isEqualTo(400);
    }

    @Test
    void transferEncodingFromAnHttp10ClientIs400() {
        assertThat(decode("POST http://example.com/ HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
                .rejectionStatus()).isEqualTo(400);
    }

    @Test
    void aMalformedChunkEndsTheRequestWith400() {
        Outcome outcome = decode("POST http://example.com/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5\r\nhello\r\nzz\r\n" + GET);
        assertThat(outcome.answers()).hasSize(2);
        assertThat(((ConnectRejection) outcome.last()).response().status()).isEqualTo(400);
        assertThat(outcome.body()).as("nothing after the bad chunk").isEqualTo("hello");
    }

    @Test
    void requestsOnOneConnectionFollowEachOtherWithTheirBodies() {
        String input = GET + "POST http://other.example/p HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"
                + "DELETE http://example.com:8080/x HTTP/1.1\r\n\r\n";
        Outcome outcome = decode(input);
        assertThat(outcome.answers()).hasSize(3);
        assertThat(forwarded(outcome, 1).connect()).isEqualTo(new ConnectRequest("other.example", 80));
        assertThat(forwarded(outcome, 2).method()).isEqualTo("DELETE");
        assertThat(outcome.body()).isEqualTo(END + "abc" + END + END);
        assertThat(decode(bytes(input), everyByte(input.length()))).as("byte by byte").isEqualTo(outcome);
    }

    @Test
    void aConnectAfterForwardedRequestsEndsTheDecoding() {
        String tls = "\u0016\u0003\u0001 a ClientHello\r\n\r\nGET http://example.com/ HTTP/1.1\r\n\r\n";
        Outcome outcome = decode(GET + "CONNECT example.com:443 HTTP/1.1\r\n\r\n" + tls);
        assertThat(outcome.answers()).hasSize(2);
        assertThat(outcome.last()).isEqualTo(new ConnectRequest("example.com", 443));
        assertThat(outcome.handedOn()).isEqualTo(tls);
    }

    @Test
    void aRefusedRequestEndsTheDecodingAfterTheOnesBefore() {
        Outcome outcome = decode(GET + "GET / HTTP/1.1\r\n\r\n" + GET);
        assertThat(outcome.answers()).hasSize(2);
        assertThat(((ConnectRejection) outcome.last()).response().status()).isEqualTo(405);
    }

    @Test
    void theTunnelAgentGoesToTheRouting() {
        Forwarded get = forwarded(decode("GET http://example.com/ HTTP/1.1\r\nTunnel-Agent: agent-2\r\n"
                + "Proxy-Authorization: Basic dXNlcjpwYXNz\r\n\r\n"), 0);
        assertThat(get.connect()).isEqualTo(new ConnectRequest("example.com", 80, "agent-2", "Basic dXNlcjpwYXNz"));
        assertThat(decode("GET http://example.com/ HTTP/1.1\r\nTunnel-Agent: a\r\nTunnel-Agent: b\r\n\r\n")
                .rejectionStatus()).isEqualTo(400);
    }

    @Test
    void theHeadLimitsHoldForEveryRequestOnTheConnection() {
        StringBuilder fields = new StringBuilder();
        for (int i = 0; i <= FrontendRequestDecoder.MAX_HEADERS; i++) {
            fields.append("X-H").append(i).append(": v\r\n");
        }
        Outcome outcome = decode(GET + "GET http://example.com/ HTTP/1.1\r\n" + fields + "\r\n");
        assertThat(outcome.answers()).hasSize(2);
        assertThat(((ConnectRejection) outcome.last()).response().status()).isEqualTo(431);
        String longLine = "GET http://example.com/" + "a".repeat(FrontendRequestDecoder.MAX_LINE) + " HTTP/1.1";
        assertThat(((ConnectRejection) decode(GET + longLine).last()).response().status()).isEqualTo(400);
    }

    @Test
    void everySplitOfTwoRequestsWithBodiesDecodesTheSame() {
        byte[] input = bytes("POST http://example.com/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "3\r\nabc\r\n0\r\n\r\n" + "PUT http://example.com/ HTTP/1.1\r\nContent-Length: 2\r\n\r\nxy");
        Outcome whole = decode(input);
        assertThat(whole.body()).isEqualTo("abc" + END + "xy" + END);
        for (int first = 1; first < input.length; first++) {
            assertThat(decode(input, first)).as("split at %d", first).isEqualTo(whole);
        }
    }
}
