package io.tunnel.server;

import static io.tunnel.server.FrontendDecoding.bytes;
import static io.tunnel.server.FrontendDecoding.decode;
import static io.tunnel.server.FrontendDecoding.everyByte;
import static org.assertj.core.api.Assertions.assertThat;

import io.tunnel.server.FrontendDecoding.Outcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every answer {@link FrontendRequestDecoder} gives, its limits at their edges, and what it does with the bytes
 * around a head: after a CONNECT, pipelined bytes are handed on only when the decoder is removed; after an
 * absolute-form head its body, then the next request; a partial head at the end of input is never taken for a
 * request, and however the bytes are cut into reads the outcome is the same.
 */
class FrontendRequestDecoderTest {
    private static final String HEAD = "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n"
            + "Proxy-Authorization: Basic e30=\r\n\r\n";
    private static final String PIPELINED = "\u0016\u0003\u0001 a TLS ClientHello, say\r\n\r\nGET / HTTP/1.1\r\n";
    private static final Outcome EXAMPLE = Outcome.request("example.com", 443, "");
    /** {@link #HEAD} decoded. */
    private static final ConnectRequest HEAD_REQUEST = new ConnectRequest("example.com", 443, null, "Basic e30=");
    private static final String GET = "GET http://example.com:8080/a/b?c=d HTTP/1.1\r\nHost: example.com:8080\r\n"
            + "Accept: */*\r\n\r\n";

    @Test
    void aConnectHeadIsARequest() {
        assertThat(decode(HEAD)).isEqualTo(Outcome.of(HEAD_REQUEST, ""));
        assertThat(decode("CONNECT example.com:443 HTTP/1.0\r\n\r\n")).isEqualTo(EXAMPLE);
        assertThat(decode("CONNECT 10.1.2.3:1 HTTP/1.1\r\n\r\n")).isEqualTo(Outcome.request("10.1.2.3", 1, ""));
        assertThat(decode("CONNECT private-name_1.internal.:65535 HTTP/1.1\r\n\r\n"))
                .isEqualTo(Outcome.request("private-name_1.internal.", 65535, ""));
    }

    @Test
    void anIpv6LiteralLosesItsBrackets() {
        assertThat(decode("CONNECT [2001:db8::7]:8443 HTTP/1.1\r\nHost: [2001:db8::7]:8443\r\n\r\n"))
                .isEqualTo(Outcome.request("2001:db8::7", 8443, ""));
        assertThat(decode("CONNECT [::1]:80 HTTP/1.1\r\n\r\n")).isEqualTo(Outcome.request("::1", 80, ""));
        assertThat(new ConnectRequest("2001:db8::7", 8443).authority()).isEqualTo("[2001:db8::7]:8443");
    }

    @Test
    void headerValuesAndOtherHeadersAreNotInterpreted() {
        assertThat(decode("CONNECT example.com:443 HTTP/1.1\r\nHost: elsewhere.example:80\r\nX-Empty:\r\n"
                + "Connection: close\r\nExpect: 100-continue\r\n\r\n")).isEqualTo(EXAMPLE);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "CONNECT example.com:443\r\n\r\n",
            "CONNECT  example.com:443 HTTP/1.1\r\n\r\n",
            "CONNECT example.com:443 HTTP/1.1 \r\n\r\n",
            " CONNECT example.com:443 HTTP/1.1\r\n\r\n",
            "CONNECT example.com:443 HTTP/1.1 extra\r\n\r\n",
            "CONNECT\texample.com:443 HTTP/1.1\r\n\r\n",
            "CON\u0001NECT example.com:443 HTTP/1.1\r\n\r\n",
            "CONNECT/1 example.com:443 HTTP/1.1\r\n\r\n",
            "\r\n",
            "\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003\r\n\r\n"})
    void aMalformedRequestLineIs400(String input) {
        assertThat(decode(input).rejectionStatus()).isEqualTo(400);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "\n",
            "CONNECT example.com:443 HTTP/1.1\n\n",
            "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com\n\r\n",
            "CONNECT example.com:443 HTTP/1.1\r\n\n"})
    void aLineNotEndedByCrlfIs400(String input) {
        assertThat(decode(input).rejectionStatus()).isEqualTo(400);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "example.com", "example.com:", ":443", "example.com:0", "example.com:65536", "example.com:123456",
            "example.com:00000443", "example.com:+80", "example.com:8o", "example.com:-1", "http://example.com:80",
            "example.com/:443", "user@example.com:443", "exa%mple.com:443", "2001:db8::7:443", "[2001:db8::7]",
            "[2001:db8::7]:", "[2001:db8::7:443", "[example.com]:443", "[1.2.3.4]:443", "\u00e9xample.com:443",
            "*:443", "/:443"})
    void aTargetThatIsNotHostColonPortIs400(String target) {
        assertThat(decode("CONNECT " + target + " HTTP/1.1\r\n\r\n").rejectionStatus()).as(target).isEqualTo(400);
    }

    @Test
    void aHostOfMoreThan253CharactersIs400() {
        String host = "a".repeat(254);
        assertThat(decode("CONNECT " + host + ":443 HTTP/1.1\r\n\r\n").rejectionStatus()).isEqualTo(400);
        assertThat(decode("CONNECT " + host.substring(1) + ":443 HTTP/1.1\r\n\r\n"))
                .isEqualTo(Outcome.request(host.substring(1), 443, ""));
    }

    @Test
    void theTunnelAgentHeaderNamesTheAgent() {
        assertThat(decode("CONNECT example.com:443 HTTP/1.1\r\nTunnel-Agent: agent-2\r\n\r\n"))
                .isEqualTo(Outcome.of(new ConnectRequest("example.com", 443, "agent-2"), ""));
        assertThat(decode("CONNECT example.com:443 HTTP/1.1\r\nHost: x\r\ntunnel-AGENT:\t \tagent_2@site.b \r\n\r\n"))
                .as("any case, optional whitespace around the value")
                .isEqualTo(Outcome.of(new ConnectRequest("example.com", 443, "agent_2@site.b"), ""));
        String longest = "a".repeat(RequestTargets.MAX_AGENT_ID);
        assertThat(decode("CONNECT example.com:443 HTTP/1.1\r\nTunnel-Agent: " + longest + "\r\n\r\n").answer())
                .isEqualTo(new ConnectRequest("example.com", 443, longest));
        assertThat(decode(HEAD).answer()).as("without the header").isEqualTo(HEAD_REQUEST);
    }

    @Test
    void theProxyAuthorizationHeaderIsKeptAsSentOnceAndBounded() {
        String line = "CONNECT example.com:443 HTTP/1.1\r\n";
        assertThat(decode(line + "proxy-AUTHORIZATION: \t Bearer abc.def== \t\r\n\r\n").answer())
                .as("any case, without the whitespace around it; judged by the authenticator, not here")
                .isEqualTo(new ConnectRequest("example.com", 443, null, "Bearer abc.def=="));
        assertThat(decode(line + "Proxy-Authorization:\r\n\r\n").answer())
                .as("empty: for the authenticator to refuse").isEqualTo(new ConnectRequest("example.com", 443, null, ""));
        String longest = "Basic " + "A".repeat(FrontendRequestDecoder.MAX_PROXY_AUTHORIZATION - 6);
        assertThat(decode(line + "Proxy-Authorization: " + longest + "\r\n\r\n").answer())
                .isEqualTo(new ConnectRequest("example.com", 443, null, longest));
        assertThat(decode(line + "Proxy-Authorization: " + longest + "A\r\n\r\n").rejectionStatus()).isEqualTo(431);
        Outcome repeated = decode(line + "Proxy-Authorization: Basic e30=\r\n"
                + "Proxy-Authorization: Basic e30=\r\n\r\n");
        assertThat(repeated.rejectionStatus()).isEqualTo(400);
        assertThat(((ConnectRejection) repeated.answer()).reason()).isEqualTo("Proxy-Authorization header repeated");
        assertThat(new ConnectRequest("example.com", 443, "agent-2", "Basic c2VjcmV0").toString())
                .as("credentials never in a log line").isEqualTo(
                        "ConnectRequest[example.com:443, agent agent-2, with Proxy-Authorization]");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Tunnel-Agent:", "Tunnel-Agent:  ", "Tunnel-Agent: agent 2", "Tunnel-Agent: agent\u00e9",
            "Tunnel-Agent: a\r\nTunnel-Agent: b"})
    void aTunnelAgentHeaderThatNamesNoAgentOrTwoIs400(String header) {
        Outcome outcome = decode("CONNECT example.com:443 HTTP/1.1\r\n" + header + "\r\n\r\n");
        assertThat(outcome.rejectionStatus()).as(header).isEqualTo(400);
        assertThat(((ConnectRejection) outcome.answer()).reason()).contains("Tunnel-Agent");
    }

    /** A control character (but tab) anywhere in a field line, or a line folded onto the one before, is 400. */
    @ParameterizedTest
    @ValueSource(strings = {"Tunnel-Agent: a\u0001b", "Tunnel-Agent: a\u007fb", "X-Cr: a\rb", "X-Nul: \u0000",
            "X-Folded: a\r\n b", "X-Folded: a\r\n\tb"})
    void aControlCharacterOrAFoldedLineIs400(String header) {
        Outcome outcome = decode("CONNECT example.com:443 HTTP/1.1\r\n" + header + "\r\n\r\n");
        assertThat(outcome.rejectionStatus()).as(header).isEqualTo(400);
        assertThat(((ConnectRejection) outcome.answer()).reason()).contains("malformed header field");
        assertThat(decode("GET http://example.com/ HTTP/1.1\r\n" + header + "\r\n\r\n").rejectionStatus())
                .as("absolute-form: %s", header).isEqualTo(400);
    }

    @Test
    void aTunnelAgentLongerThanTheLimitIs400() {
        String tooLong = "a".repeat(RequestTargets.MAX_AGENT_ID + 1);
        assertThat(decode("CONNECT example.com:443 HTTP/1.1\r\nTunnel-Agent: " + tooLong + "\r\n\r\n")
                .rejectionStatus()).isEqualTo(400);
    }

    @ParameterizedTest
    @ValueSource(strings = {"HTTP/2.0", "HTTP/1.2", "HTTP/0.9", "http/1.1", "HTTP/1.1x", "HTTP/1", "HTTP/11",
            "HTTP/1.1\r"})
    void anotherHttpVersionIs400(String version) {
        assertThat(decode("CONNECT example.com:443 " + version + "\r\n\r\n").rejectionStatus()).isEqualTo(400);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Content-Length: 5", "content-length: 0", "Transfer-Encoding: chunked",
            "TRANSFER-ENCODING: identity"})
    void aConnectWithABodyHeaderIs400(String header) {
        assertThat(decode("CONNECT example.com:443 HTTP/1.1\r\n" + header + "\r\n\r\nhello").rejectionStatus())
                .isEqualTo(400);
    }

    @ParameterizedTest
    @ValueSource(strings = {"NoColon", ": no name", "Bad Name: v", "Host : example.com", "(x): y", "\u00e9: y"})
    void aMalformedHeaderFieldIs400(String header) {
        assertThat(decode("CONNECT example.com:443 HTTP/1.1\r\n" + header + "\r\n\r\n").rejectionStatus())
                .isEqualTo(400);
    }

    /** Neither CONNECT nor an absolute-form target: origin-form, asterisk-form, authority-form of another method. */
    @ParameterizedTest
    @ValueSource(strings = {"GET / HTTP/1.1", "POST / HTTP/1.0", "OPTIONS * HTTP/1.1",
            "connect example.com:443 HTTP/1.1", "PRI * HTTP/1.1", "GET example.com:80 HTTP/1.1"})
    void anotherRequestIs405(String requestLine) {
        assertThat(decode(requestLine + "\r\nHost: example.com\r\n\r\n").rejectionStatus()).isEqualTo(405);
    }

    @Test
    void theRequestLineLimitIs400AndAppliesBeforeTheLineEnds() {
        String prefix = "CONNECT example.com:443 HTTP/1.1 ";
        String atLimit = prefix + "x".repeat(FrontendRequestDecoder.MAX_LINE - prefix.length() - 2);
        assertThat(decode(atLimit + "\r\n\r\n").rejectionStatus()).as("malformed, but not too long").isEqualTo(400);
        assertThat(((ConnectRejection) decode(atLimit + "\r\n\r\n").answer()).reason()).isEqualTo(
                "malformed request line");
        assertThat(((ConnectRejection) decode(atLimit + "x\r\n\r\n").answer()).reason()).startsWith(
                "request line longer than");
        assertThat(decode("G".repeat(FrontendRequestDecoder.MAX_LINE))).as("at the limit, no line end yet")
                .isEqualTo(Outcome.AWAITING);
        assertThat(decode("G".repeat(FrontendRequestDecoder.MAX_LINE + 1)).rejectionStatus())
                .as("one byte past the limit, no line end yet").isEqualTo(400);
    }

    @Test
    void aHeaderLineAboveTheLineLimitIs431AndAppliesBeforeTheLineEnds() {
        String name = "X-Long: ";
        String atLimit = name + "v".repeat(FrontendRequestDecoder.MAX_LINE - name.length() - 2) + "\r\n";
        String line = "CONNECT example.com:443 HTTP/1.1\r\n";
        assertThat(decode(line + atLimit + "\r\n")).isEqualTo(EXAMPLE);
        assertThat(decode(line + "v" + atLimit + "\r\n").rejectionStatus()).isEqualTo(431);
        assertThat(decode(line + "v".repeat(FrontendRequestDecoder.MAX_LINE))).isEqualTo(Outcome.AWAITING);
        assertThat(decode(line + "v".repeat(FrontendRequestDecoder.MAX_LINE + 1)).rejectionStatus()).isEqualTo(431);
    }

    @Test
    void aHeadAboveTheHeadLimitIs431() {
        assertThat(decode(headOfSize(FrontendRequestDecoder.MAX_HEAD))).isEqualTo(EXAMPLE);
        assertThat(decode(headOfSize(FrontendRequestDecoder.MAX_HEAD + 1)).rejectionStatus()).isEqualTo(431);
        String unfinished = headOfSize(FrontendRequestDecoder.MAX_HEAD + 1);
        assertThat(decode(unfinished.substring(0, unfinished.length() - 2) + "X-More: v").rejectionStatus())
                .as("no more header bytes once the head is full, even before the line ends").isEqualTo(431);
    }

    @Test
    void moreThanTheMaximumOfHeaderFieldsIs431() {
        assertThat(decode(headWithFields(FrontendRequestDecoder.MAX_HEADERS))).isEqualTo(EXAMPLE);
        assertThat(decode(headWithFields(FrontendRequestDecoder.MAX_HEADERS + 1)).rejectionStatus()).isEqualTo(431);
    }

    /** Bytes pipelined behind a refused head are never read as a second request, nor handed on. */
    @Test
    void aRejectionIsTheOnlyAnswerAndWhatFollowsIsNotInterpreted() {
        String input = "GET / HTTP/1.1\r\n\r\n" + HEAD + "hello";
        assertThat(decode(input).rejectionStatus()).isEqualTo(405);
        assertThat(decode(bytes(input), everyByte(input.length())).rejectionStatus()).isEqualTo(405);
        input = "GET https://example.com/ HTTP/1.1\r\n\r\n" + GET;
        assertThat(decode(input).rejectionStatus()).isEqualTo(400);
        assertThat(decode(bytes(input), everyByte(input.length())).rejectionStatus()).isEqualTo(400);
    }

    @Test
    void bytesPipelinedAfterTheHeadAreHandedOnWhenTheDecoderIsRemoved() {
        assertThat(decode(HEAD + PIPELINED)).isEqualTo(Outcome.of(HEAD_REQUEST, PIPELINED));
        assertThat(decode(bytes(HEAD + PIPELINED), HEAD.length() + 3))
                .as("bytes that arrive after the decoder is gone still follow in order")
                .isEqualTo(Outcome.of(HEAD_REQUEST, PIPELINED));
    }

    @Test
    void everySplitIntoTwoReadsAndManyIntoThreeDecodeTheSame() {
        byte[] input = bytes(HEAD + PIPELINED);
        Outcome whole = Outcome.of(HEAD_REQUEST, PIPELINED);
        for (int first = 1; first < input.length; first++) {
            assertThat(decode(input, first)).as("split at %d", first).isEqualTo(whole);
            // three reads: the middle one short, so that it holds a line end or the head's end somewhere
            for (int second = first + 1; second < Math.min(input.length, first + 16); second++) {
                assertThat(decode(input, first, second)).as("split at %d, %d", first, second).isEqualTo(whole);
            }
        }
        assertThat(decode(input, everyByte(input.length))).as("byte by byte").isEqualTo(whole);
    }

    /** The end of input ends a partial head with no answer: no request is ever made of one. */
    @Test
    void noPrefixOfAHeadIsARequest() {
        for (int length = 0; length < HEAD.length(); length++) {
            String prefix = HEAD.substring(0, length);
            assertThat(decode(prefix)).as("%s", prefix).isEqualTo(Outcome.AWAITING);
            assertThat(decode(bytes(prefix), everyByte(length))).as("%s byte by byte", prefix)
                    .isEqualTo(Outcome.AWAITING);
        }
    }

    /** A head of exactly {@code size} bytes: the request line, filler fields of at most a line each, the blank line. */
    static String headOfSize(int size) {
        StringBuilder head = new StringBuilder("CONNECT example.com:443 HTTP/1.1\r\n");
        int shortest = "X-Fill-000: \r\n".length();
        for (int field = 0; head.length() + 2 < size; field++) {
            int room = size - 2 - head.length();
            int line = Math.min(FrontendRequestDecoder.MAX_LINE, room);
            if (room - line > 0 && room - line < shortest) {
                line -= shortest; // leave enough room for one more field
            }
            String name = String.format("X-Fill-%03d: ", field);
            assertThat(line).as("room for a field").isGreaterThanOrEqualTo(shortest);
            head.append(name).append("v".repeat(line - name.length() - 2)).append("\r\n");
        }
        String result = head.append("\r\n").toString();
        assertThat(result).hasSize(size);
        return result;
    }

    private static String headWithFields(int count) {
        StringBuilder head = new StringBuilder("CONNECT example.com:443 HTTP/1.1\r\n");
        for (int i = 0; i < count; i++) {
            head.append("X-H").append(i).append(": v\r\n");
        }
        return head.append("\r\n").toString();
    }
}
