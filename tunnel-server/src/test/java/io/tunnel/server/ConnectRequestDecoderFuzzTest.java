package io.tunnel.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.tunnel.core.protocol.DialFrame;
import io.tunnel.server.ConnectDecoding.Outcome;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Fuzzes {@link ConnectRequestDecoder} with arbitrary bytes.
 *
 * <p>For every input: nothing but an answer comes out (no exception); at most one answer, a {@link ConnectRequest}
 * only for a complete {@code CONNECT} head whose bytes up to the first blank line are all the decoder took (the rest
 * is handed on, byte for byte), a {@link ConnectRejection} with one of the decoder's statuses otherwise; an input
 * without an answer is a head still within every limit, and enough further bytes always get it one; the end of input
 * never makes a request of a partial head; the same input cut into input-derived reads (byte by byte when short)
 * gives the same outcome; every buffer ends released (reference counts checked in {@link ConnectDecoding}, plus
 * {@code LeakCheckExtension} for the class, with paranoid leak detection).
 *
 * <p>A normal build replays the seeds and regression inputs in
 * {@code src/test/resources/io/tunnel/server/ConnectRequestDecoderFuzzTestInputs/decode/}. To fuzz:
 * {@code JAZZER_FUZZ=1 mvn -B -pl tunnel-server test -Dtest=ConnectRequestDecoderFuzzTest} (findings land in that
 * directory and replay from then on).
 */
class ConnectRequestDecoderFuzzTest {
    private static final String SEEDS = "ConnectRequestDecoderFuzzTestInputs/decode/";
    /** Inputs up to this length are also fed one byte per read (every prefix a read boundary). */
    private static final int BYTE_BY_BYTE_MAX = 512;
    /** No line end and longer than every limit: whatever state the decoder waits in, this makes it answer. */
    private static final byte[] FILLER = ConnectDecoding.bytes(
            "x".repeat(ConnectRequestDecoder.MAX_HEAD + ConnectRequestDecoder.MAX_LINE + 1));

    @FuzzTest(maxDuration = "3m")
    void decode(byte[] input) {
        Outcome whole = ConnectDecoding.decode(input);
        checkAnswer(input, whole);

        SplittableRandom random = new SplittableRandom(Arrays.hashCode(input));
        int[] cuts = IntStream.iterate(random.nextInt(1, 4), at -> at < input.length,
                // mostly tiny reads, so that CR and LF get split from each other somewhere
                at -> at + (random.nextInt(4) == 0 ? random.nextInt(1, 256) : random.nextInt(1, 4))).toArray();
        assertThat(ConnectDecoding.decode(input, cuts)).as("read in pieces ending at %s", Arrays.toString(cuts))
                .isEqualTo(whole);
        if (input.length <= BYTE_BY_BYTE_MAX) {
            assertThat(ConnectDecoding.decode(input, ConnectDecoding.everyByte(input.length)))
                    .as("read byte by byte").isEqualTo(whole);
        }

        byte[] longer = Arrays.copyOf(input, input.length + FILLER.length);
        System.arraycopy(FILLER, 0, longer, input.length, FILLER.length);
        Outcome more = ConnectDecoding.decode(longer, input.length);
        if (whole.answer() == null) {
            assertThat(more.answer()).as("answer once more bytes came").isInstanceOf(ConnectRejection.class);
        } else {
            String filler = new String(FILLER, StandardCharsets.ISO_8859_1);
            assertThat(more).as("the answer does not change with what follows").isEqualTo(new Outcome(whole.answer(),
                    whole.answer() instanceof ConnectRequest ? whole.handedOn() + filler : ""));
        }
    }

    /** The seeds mean what their names say (so the fuzzer starts from every answer and the usual garbage). */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "connect_minimal, example.com:443", "connect_curl, example.com:443",
            "connect_http10_pipelined, 10.0.0.1:22", "connect_ipv6, [2001:db8::1]:443",
            "connect_ipv6_pipelined_tls, [::1]:8443", "connect_private_name, db.internal.:5432",
            "connect_tunnel_agent, localhost:8080", "tunnel_agent_repeated, 400", "tunnel_agent_empty, 400",
            "connect_proxy_authorization, localhost:8080", "proxy_authorization_repeated, 400",
            "partial_head, awaiting", "tls_client_hello, awaiting", "get_absolute_form, 405", "options_star, 405",
            "malformed_request_line, 400", "empty_request_line, 400", "bare_lf, 400", "bare_lf_in_header, 400",
            "bad_target_no_port, 400", "bad_target_port_range, 400", "bad_target_ipv6_unbracketed, 400",
            "bad_target_absolute_uri, 400", "bad_version, 400", "body_content_length, 400",
            "body_transfer_encoding, 400", "malformed_header, 400", "request_line_too_long, 400",
            "header_line_too_long, 431", "head_too_large, 431", "too_many_fields, 431"})
    void seedsDecodeAsNamed(String seed, String expected) throws IOException {
        byte[] input;
        try (InputStream in = getClass().getResourceAsStream(SEEDS + seed)) {
            assertThat(in).as(seed).isNotNull();
            input = in.readAllBytes();
        }
        Outcome outcome = ConnectDecoding.decode(input);
        if (expected.equals("awaiting")) {
            assertThat(outcome).isEqualTo(Outcome.AWAITING);
        } else if (expected.matches("\\d{3}")) {
            assertThat(outcome.rejectionStatus()).isEqualTo(Integer.parseInt(expected));
        } else {
            assertThat(outcome.answer()).isInstanceOf(ConnectRequest.class);
            assertThat(((ConnectRequest) outcome.answer()).authority()).isEqualTo(expected);
        }
    }

    private static void checkAnswer(byte[] input, Outcome outcome) {
        String text = new String(input, StandardCharsets.ISO_8859_1);
        int blankLine = text.indexOf("\r\n\r\n");
        if (outcome.answer() instanceof ConnectRequest request) {
            assertThat(text).as("a request").startsWith("CONNECT ");
            assertThat(blankLine).as("the end of a complete head").isNotNegative();
            assertThat(blankLine + 4).as("head size").isLessThanOrEqualTo(ConnectRequestDecoder.MAX_HEAD);
            assertThat(outcome.handedOn()).as("bytes after the head").isEqualTo(text.substring(blankLine + 4));
            assertThat(DialFrame.isValidHost(request.host())).as("host %s", request.host()).isTrue();
            assertThat(request.port()).isBetween(1, 65535);
            assertThat(ConnectRequestDecoder.parseAuthority(request.authority()).withAgent(request.agentId())
                    .withProxyAuthorization(request.proxyAuthorization())).isEqualTo(request);
            if (request.proxyAuthorization() != null) {
                assertThat(request.proxyAuthorization().length())
                        .isLessThanOrEqualTo(ConnectRequestDecoder.MAX_PROXY_AUTHORIZATION);
                assertThat(text.substring(0, blankLine).toLowerCase(Locale.ROOT))
                        .as("a Proxy-Authorization field in the head").contains("\r\nproxy-authorization:");
            }
            if (request.agentId() != null) {
                assertThat(ConnectRequestDecoder.isAgentId(request.agentId())).as("agent %s", request.agentId())
                        .isTrue();
                assertThat(text.substring(0, blankLine).toLowerCase(Locale.ROOT))
                        .as("a Tunnel-Agent field in the head").contains("\r\ntunnel-agent:");
            }
        } else if (outcome.answer() instanceof ConnectRejection rejection) {
            assertThat(rejection.response()).isIn(ProxyResponse.BAD_REQUEST, ProxyResponse.METHOD_NOT_ALLOWED,
                    ProxyResponse.HEADERS_TOO_LARGE);
            assertThat(rejection.reason()).isNotBlank();
        } else {
            assertThat(outcome.answer()).as("nothing but requests and rejections").isNull();
            assertThat(blankLine).as("a head awaiting more input has not ended").isNegative();
            assertThat(input.length).as("a head awaiting more input is within the limit")
                    .isLessThanOrEqualTo(ConnectRequestDecoder.MAX_HEAD);
        }
    }
}
