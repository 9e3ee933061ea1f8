package io.tunnel.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.tunnel.core.protocol.DialFrame;
import io.tunnel.server.FrontendDecoding.Forwarded;
import io.tunnel.server.FrontendDecoding.Outcome;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Fuzzes {@link FrontendRequestDecoder} with arbitrary bytes: the frontend's parsing of CONNECT and of absolute-form
 * requests.
 *
 * <p>For every input: nothing but answers and bodies come out (no exception); a {@link ConnectRequest} or a
 * {@link ConnectRejection} is the last answer (after it the input is the tunnel's, or skipped); a CONNECT only for a
 * complete head whose bytes up to its blank line are all the decoder took (the rest is handed on, byte for byte); a
 * forwarded request only for a complete head with a valid {@code http://} target, and a body only after one; a
 * rejection with one of the decoder's statuses; an input whose last request is not answered is a head still within
 * every limit, and enough further bytes always get it answered (every input is answered or awaits a body); the end of
 * input never makes a request of a partial head; the same input cut into input-derived reads (byte by byte when
 * short) gives the same outcome; every buffer ends released (reference counts checked in {@link FrontendDecoding},
 * plus {@code LeakCheckExtension} for the class, with paranoid leak detection).
 *
 * <p>A normal build replays the seeds and regression inputs in
 * {@code src/test/resources/io/tunnel/server/FrontendRequestDecoderFuzzTestInputs/decode/}. To fuzz:
 * {@code JAZZER_FUZZ=1 mvn -B -pl tunnel-server test -Dtest=FrontendRequestDecoderFuzzTest} (findings land in that
 * directory and replay from then on).
 */
class FrontendRequestDecoderFuzzTest {
    private static final String SEEDS = "FrontendRequestDecoderFuzzTestInputs/decode/";
    /** Inputs up to this length are also fed one byte per read (every prefix a read boundary). */
    private static final int BYTE_BY_BYTE_MAX = 512;
    /** No line end and longer than every limit: whatever head the decoder waits in, this makes it answer. */
    private static final byte[] FILLER = FrontendDecoding.bytes(
            "x".repeat(FrontendRequestDecoder.MAX_HEAD + FrontendRequestDecoder.MAX_LINE + 1));

    @FuzzTest(maxDuration = "3m")
    void decode(byte[] input) {
        Outcome whole = FrontendDecoding.decode(input);
        checkAnswers(input, whole);

        SplittableRandom random = new SplittableRandom(Arrays.hashCode(input));
        int[] cuts = IntStream.iterate(random.nextInt(1, 4), at -> at < input.length,
                // mostly tiny reads, so that CR and LF get split from each other somewhere
                at -> at + (random.nextInt(4) == 0 ? random.nextInt(1, 256) : random.nextInt(1, 4))).toArray();
        assertThat(FrontendDecoding.decode(input, cuts)).as("read in pieces ending at %s", Arrays.toString(cuts))
                .isEqualTo(whole);
        if (input.length <= BYTE_BY_BYTE_MAX) {
            assertThat(FrontendDecoding.decode(input, FrontendDecoding.everyByte(input.length)))
                    .as("read byte by byte").isEqualTo(whole);
        }

        byte[] longer = Arrays.copyOf(input, input.length + FILLER.length);
        System.arraycopy(FILLER, 0, longer, input.length, FILLER.length);
        Outcome more = FrontendDecoding.decode(longer, input.length);
        String filler = new String(FILLER, StandardCharsets.ISO_8859_1);
        if (whole.isFinal()) {
            assertThat(more).as("the answers do not change with what follows").isEqualTo(new Outcome(whole.answers(),
                    whole.body(), whole.last() instanceof ConnectRequest ? whole.handedOn() + filler : ""));
        } else {
            int before = whole.answers().size();
            assertThat(more.answers()).as("answers once more bytes came").hasSizeGreaterThanOrEqualTo(before);
            assertThat(more.answers().subList(0, before)).as("the answers before them").isEqualTo(whole.answers());
            List<Object> added = more.answers().subList(before, more.answers().size());
            // within a body the filler may all be body; past it, or in a head, it is refused
            assertThat(added).as("answers to the filler").hasSizeBetween(whole.inBody() ? 0 : 1, 1)
                    .allMatch(ConnectRejection.class::isInstance);
        }
    }

    /** The seeds mean what their names say (so the fuzzer starts from every answer and the usual garbage). */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "connect_minimal, example.com:443", "connect_curl, example.com:443",
            "connect_http10_pipelined, 10.0.0.1:22", "connect_ipv6, [2001:db8::1]:443",
            "connect_ipv6_pipelined_tls, [::1]:8443", "connect_private_name, db.internal.:5432",
            "connect_tunnel_agent, localhost:8080", "tunnel_agent_repeated, 400", "tunnel_agent_empty, 400",
            "partial_head, awaiting", "tls_client_hello, awaiting", "get_absolute_form, GET http://example.com/",
            "options_star, 405", "malformed_request_line, 400", "empty_request_line, 400", "bare_lf, 400",
            "bare_lf_in_header, 400", "bad_target_no_port, 400", "bad_target_port_range, 400",
            "bad_target_ipv6_unbracketed, 400", "bad_target_absolute_uri, 400", "bad_version, 400",
            "body_content_length, 400", "body_transfer_encoding, 400", "malformed_header, 400",
            "request_line_too_long, 400", "header_line_too_long, 431", "head_too_large, 431", "too_many_fields, 431",
            "forward_curl, GET http://127.0.0.1:8080/", "forward_keepalive_two_hosts, GET http://b.internal/",
            "forward_post_length, POST http://example.com/form", "forward_put_chunked, PUT http://example.com/up",
            "forward_then_connect, example.com:443", "forward_https, 400", "forward_bad_chunk, 400",
            "forward_folded_header, 400", "forward_http10, GET http://[::1]:8080/", "forward_userinfo, 400",
            "forward_body_cut_short, POST http://example.com/"})
    void seedsDecodeAsNamed(String seed, String expected) throws IOException {
        byte[] input;
        try (InputStream in = getClass().getResourceAsStream(SEEDS + seed)) {
            assertThat(in).as(seed).isNotNull();
            input = in.readAllBytes();
        }
        Outcome outcome = FrontendDecoding.decode(input);
        Object last = outcome.last();
        if (expected.equals("awaiting")) {
            assertThat(outcome).isEqualTo(Outcome.AWAITING);
        } else if (expected.matches("\\d{3}")) {
            assertThat(last).isInstanceOf(ConnectRejection.class);
            assertThat(((ConnectRejection) last).response().status()).isEqualTo(Integer.parseInt(expected));
        } else if (expected.contains(" ")) {
            assertThat(last).isInstanceOf(Forwarded.class);
            Forwarded forwarded = (Forwarded) last;
            assertThat(forwarded.method() + " " + forwarded.target().logTarget()).isEqualTo(expected);
        } else {
            assertThat(last).isInstanceOf(ConnectRequest.class);
            assertThat(((ConnectRequest) last).authority()).isEqualTo(expected);
        }
    }

    private static void checkAnswers(byte[] input, Outcome outcome) {
        String text = new String(input, StandardCharsets.ISO_8859_1);
        int heads = 0;
        for (Object answer : outcome.answers()) {
            if (answer instanceof ConnectRequest request) {
                checkConnect(text, outcome, request);
                heads++;
            } else if (answer instanceof Forwarded forwarded) {
                checkForwarded(forwarded);
                heads++;
            } else {
                ConnectRejection rejection = (ConnectRejection) answer;
                assertThat(rejection.response()).isIn(ProxyResponse.BAD_REQUEST, ProxyResponse.HTTPS_NEEDS_CONNECT,
                        ProxyResponse.METHOD_NOT_ALLOWED, ProxyResponse.HEADERS_TOO_LARGE);
                assertThat(rejection.reason()).isNotBlank();
            }
        }
        assertThat(countOf(text, "\r\n\r\n")).as("a complete head for each request").isGreaterThanOrEqualTo(heads);
        if (outcome.answers().isEmpty()) {
            assertThat(text).as("a head awaiting more input has not ended").doesNotContain("\r\n\r\n");
            assertThat(input.length).as("a head awaiting more input is within the limit")
                    .isLessThanOrEqualTo(FrontendRequestDecoder.MAX_HEAD);
        }
    }

    private static void checkConnect(String text, Outcome outcome, ConnectRequest request) {
        assertThat(outcome.last()).as("a CONNECT is the last answer").isSameAs(request);
        String head = text.substring(0, text.length() - outcome.handedOn().length());
        assertThat(head).as("the decoder took the head up to its blank line").endsWith("\r\n\r\n");
        assertThat(DialFrame.isValidHost(request.host())).as("host %s", request.host()).isTrue();
        assertThat(request.port()).isBetween(1, 65535);
        assertThat(RequestTargets.parseAuthority(request.authority()).withAgent(request.agentId())
                .withProxyAuthorization(request.proxyAuthorization())).isEqualTo(request);
        if (request.proxyAuthorization() != null) {
            assertThat(request.proxyAuthorization()).as("the credentials are kept bounded, without surrounding space")
                    .hasSizeLessThanOrEqualTo(FrontendRequestDecoder.MAX_PROXY_AUTHORIZATION).isEqualTo(
                            request.proxyAuthorization().strip());
        }
        checkAgent(head, request);
    }

    private static void checkForwarded(Forwarded forwarded) {
        assertThat(RequestTargets.isToken(forwarded.method())).as("method %s", forwarded.method()).isTrue();
        assertThat(forwarded.version()).isIn("HTTP/1.1", "HTTP/1.0");
        ConnectRequest connect = forwarded.connect();
        assertThat(DialFrame.isValidHost(connect.host())).as("host %s", connect.host()).isTrue();
        assertThat(connect.port()).isBetween(1, 65535);
        assertThat(RequestTargets.parseHttp("http://" + forwarded.target().authority()
                + forwarded.target().originForm()).connect()).isEqualTo(new ConnectRequest(connect.host(),
                connect.port()));
        assertThat(forwarded.target().originForm()).startsWith("/");
        if (connect.agentId() != null) {
            assertThat(RequestTargets.isAgentId(connect.agentId())).isTrue();
        }
    }

    private static void checkAgent(String head, ConnectRequest request) {
        if (request.agentId() != null) {
            assertThat(RequestTargets.isAgentId(request.agentId())).as("agent %s", request.agentId()).isTrue();
            assertThat(head.toLowerCase(Locale.ROOT)).as("a Tunnel-Agent field in the head")
                    .contains("\r\ntunnel-agent:");
        }
    }

    private static int countOf(String text, String part) {
        int count = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
            count++;
        }
        return count;
    }
}
