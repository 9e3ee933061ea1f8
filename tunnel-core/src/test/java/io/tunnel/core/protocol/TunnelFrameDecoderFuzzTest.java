package io.tunnel.core.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Fuzzes {@link TunnelFrameDecoder} with arbitrary bytes.
 *
 * <p>For every input: the only failure is a connection-scoped {@link TunnelProtocolException}; the same input cut
 * into input-derived chunks yields the same frames and the same error; every decoded frame re-encodes to bytes
 * that decode to the same frame; after an error, more input yields nothing; every buffer ends released
 * (reference counts checked directly, plus {@code LeakCheckExtension} for the class).
 *
 * <p>A normal build replays the seeds and regression inputs in
 * {@code src/test/resources/io/tunnel/core/protocol/TunnelFrameDecoderFuzzTestInputs/decode/}. To fuzz:
 * {@code JAZZER_FUZZ=1 mvn -B -pl tunnel-core test -Dtest=TunnelFrameDecoderFuzzTest} (findings land in that
 * directory and replay from then on).
 */
class TunnelFrameDecoderFuzzTest {
    private static final String SEEDS = "TunnelFrameDecoderFuzzTestInputs/decode/";
    private static final byte[] VALID_PING = FrameFixtures.frame(FrameType.PING, 0, new byte[8]);

    @FuzzTest(maxDuration = "3m")
    void decode(byte[] input) {
        Outcome whole = run(input, new int[0]);
        SplittableRandom random = new SplittableRandom(Arrays.hashCode(input));
        List<Integer> cuts = new ArrayList<>();
        for (int at = 0; at < input.length; ) {
            // mostly tiny reads, so that every header boundary gets split somewhere
            at += random.nextInt(4) == 0 ? random.nextInt(1, 64) : random.nextInt(1, 4);
            if (at < input.length) {
                cuts.add(at);
            }
        }
        Outcome chunked = run(input, cuts.stream().mapToInt(Integer::intValue).toArray());
        assertThat(chunked).as("chunked at %s", cuts).isEqualTo(whole);
    }

    /** The seeds mean what their names say (so the fuzzer starts from every frame type and the usual garbage). */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "hello, 1,", "hello_ack_custom_settings, 1,", "dial_and_result, 2,", "dial_ipv6_refused, 2,",
            "data_window_update_close, 3,", "reset, 1,", "ping_pong, 2,", "goaway, 1,", "full_session, 14,",
            "truncated_dial, 0,", "truncated_header, 1,",
            "http_get, 0, FRAME_SIZE_ERROR", "http_connect, 0, FRAME_SIZE_ERROR",
            "tls_client_hello_prefix, 0, FRAME_SIZE_ERROR", "oversize_length, 0, FRAME_SIZE_ERROR",
            "dial_host_length_beyond_payload, 0, FRAME_SIZE_ERROR", "hello_settings_count_mismatch, 0, FRAME_SIZE_ERROR",
            "dial_non_ascii_host, 0, PROTOCOL_ERROR", "bad_flags_after_valid, 1, PROTOCOL_ERROR",
            "window_update_high_bit, 0, PROTOCOL_ERROR"})
    void seedsDecodeAsNamed(String seed, int frames, TunnelErrorCode error) throws IOException {
        byte[] input;
        try (InputStream in = getClass().getResourceAsStream(SEEDS + seed)) {
            assertThat(in).as(seed).isNotNull();
            input = in.readAllBytes();
        }
        Outcome outcome = run(input, new int[0]);
        assertThat(outcome.frames()).hasSize(frames);
        assertThat(outcome.error()).isEqualTo(error);
    }

    /** What decoding produced: the frames, described, and the error code if decoding failed. */
    record Outcome(List<String> frames, TunnelErrorCode error) {
    }

    private static Outcome run(byte[] input, int[] cuts) {
        EmbeddedChannel channel = new EmbeddedChannel(new TunnelFrameDecoder());
        List<ByteBuf> fed = new ArrayList<>();
        List<String> frames = new ArrayList<>();
        TunnelErrorCode error = null;
        try {
            int from = 0;
            for (int i = 0; i <= cuts.length && error == null; i++) {
                int to = i < cuts.length ? cuts[i] : input.length;
                ByteBuf chunk = PooledByteBufAllocator.DEFAULT.buffer(to - from).writeBytes(input, from, to - from);
                fed.add(chunk);
                try {
                    channel.writeInbound(chunk);
                } catch (DecoderException e) {
                    error = protocolError(e).errorCode();
                }
                frames.addAll(checkAndRelease(FrameFixtures.readAllInbound(channel)));
                from = to;
            }
            if (error != null) {
                ByteBuf more = PooledByteBufAllocator.DEFAULT.buffer().writeBytes(VALID_PING);
                fed.add(more);
                assertThat(channel.writeInbound(more)).as("input after an error is skipped").isFalse();
            }
        } finally {
            assertThat(channel.finishAndReleaseAll()).as("no frame left behind").isFalse();
        }
        for (ByteBuf chunk : fed) {
            assertThat(chunk.refCnt()).as("input buffer released").isZero();
        }
        return new Outcome(frames, error);
    }

    private static TunnelProtocolException protocolError(DecoderException e) {
        Throwable cause = e instanceof TunnelProtocolException ? e : e.getCause();
        if (!(cause instanceof TunnelProtocolException protocolError)) {
            throw new AssertionError("decoder failed with something else than a TunnelProtocolException", e);
        }
        assertThat(protocolError.isConnectionError()).as("decoder errors are connection errors").isTrue();
        assertThat(protocolError.errorCode()).isIn(TunnelErrorCode.PROTOCOL_ERROR, TunnelErrorCode.FRAME_SIZE_ERROR);
        return protocolError;
    }

    /** Checks each decoded frame, re-encodes and re-decodes it, and releases it; returns the descriptions. */
    private static List<String> checkAndRelease(List<Object> decoded) {
        List<String> out = new ArrayList<>(decoded.size());
        for (Object msg : decoded) {
            try {
                assertThat(msg).isInstanceOf(TunnelFrame.class);
                TunnelFrame frame = (TunnelFrame) msg;
                assertThat(frame.streamId() == 0).isEqualTo(frame.type().connectionScoped());
                if (frame instanceof DataFrame data) {
                    assertThat(data.content().readableBytes())
                            .isBetween(1, ProtocolConstants.DEFAULT_MAX_FRAME_SIZE);
                    assertThat(data.refCnt()).isPositive();
                }
                String description = FrameFixtures.describe(frame);
                out.add(description);
                assertThat(reencode(frame)).isEqualTo(description);
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }
        return out;
    }

    /** Encodes the frame (DATA: a retained duplicate, the original is released by the caller) and decodes it. */
    private static String reencode(TunnelFrame frame) {
        TunnelFrame copy = frame instanceof DataFrame data ? (DataFrame) data.retainedDuplicate() : frame;
        byte[] bytes = FrameFixtures.encode(List.of(copy));
        EmbeddedChannel channel = new EmbeddedChannel(new TunnelFrameDecoder());
        try {
            channel.writeInbound(FrameFixtures.buf(bytes));
            List<String> again = FrameFixtures.describeAndRelease(FrameFixtures.readAllInbound(channel));
            assertThat(again).hasSize(1);
            return again.get(0);
        } finally {
            assertThat(channel.finishAndReleaseAll()).isFalse();
        }
    }
}
