package io.tunnel.core.protocol;

import static io.tunnel.core.protocol.FrameFixtures.buf;
import static io.tunnel.core.protocol.FrameFixtures.describeAndRelease;
import static io.tunnel.core.protocol.FrameFixtures.readAllInbound;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** However a valid byte stream is cut into reads, the decoder yields the same frames. */
class TunnelFrameDecoderSplitTest {
    private static final long SEED = 0x7E57_5EEDL;

    /** Every frame type with edge values, around 2.5 KB. */
    private static byte[] stream;
    private static List<String> expected;
    /** One short frame of each type, for the exhaustive (quadratic) split test. */
    private static byte[] compact;
    private static List<String> compactExpected;

    @BeforeAll
    static void encodeStream() {
        List<TunnelFrame> frames = new ArrayList<>(FrameFixtures.everyFrameType());
        frames.add(FrameFixtures.data(9, 2));
        frames.add(new PingFrame(42));
        frames.add(FrameFixtures.data(11, 300));
        frames.add(new CloseFrame(11));
        expected = describeAndRelease(FrameFixtures.everyFrameType());
        expected.add(describeAndRelease(List.of(FrameFixtures.data(9, 2))).get(0));
        expected.add(new PingFrame(42).toString());
        expected.add(describeAndRelease(List.of(FrameFixtures.data(11, 300))).get(0));
        expected.add(new CloseFrame(11).toString());
        stream = FrameFixtures.encode(frames);
        assertThat(decode(stream, new int[0])).as("whole stream").isEqualTo(expected);
        compactExpected = describeAndRelease(FrameFixtures.oneOfEachType());
        compact = FrameFixtures.encode(FrameFixtures.oneOfEachType());
        assertThat(decode(compact, new int[0])).as("whole compact stream").isEqualTo(compactExpected);
        assertThat(compactExpected).hasSizeGreaterThan(FrameType.values().length);
    }

    @Test
    void byteByByte() {
        int[] cuts = new int[stream.length - 1];
        for (int i = 0; i < cuts.length; i++) {
            cuts[i] = i + 1;
        }
        assertThat(decode(stream, cuts)).isEqualTo(expected);
    }

    @Test
    void everySplitPointIntoTwoChunks() {
        for (int cut = 1; cut < compact.length; cut++) {
            assertThat(decode(compact, new int[] {cut})).as("split at %d", cut).isEqualTo(compactExpected);
        }
    }

    @Test
    void everySplitPointIntoThreeChunksAroundTheFirstFrames() {
        for (int first = 1; first < 64; first++) {
            for (int second = first + 1; second < 64; second++) {
                assertThat(decode(compact, new int[] {first, second})).as("split at %d, %d", first, second)
                        .isEqualTo(compactExpected);
            }
        }
    }

    @Test
    void randomChunkings() {
        Random random = new Random(SEED);
        for (int iteration = 0; iteration < 500; iteration++) {
            int[] cuts = random.ints(random.nextInt(1, 60), 1, stream.length).sorted().distinct().toArray();
            assertThat(decode(stream, cuts)).as("seed %x, iteration %d", SEED, iteration).isEqualTo(expected);
        }
    }

    @Test
    void maxSizeDataByteByByte() {
        byte[] big = FrameFixtures.encode(List.of(
                FrameFixtures.data(1, ProtocolConstants.DEFAULT_MAX_FRAME_SIZE), new CloseFrame(1)));
        List<String> bigExpected = describeAndRelease(List.of(
                FrameFixtures.data(1, ProtocolConstants.DEFAULT_MAX_FRAME_SIZE), new CloseFrame(1)));
        int[] cuts = new int[big.length - 1];
        for (int i = 0; i < cuts.length; i++) {
            cuts[i] = i + 1;
        }
        assertThat(decode(big, cuts)).isEqualTo(bigExpected);
    }

    /** Feeds {@code bytes} cut at the given ascending offsets and describes (and releases) what comes out. */
    static List<String> decode(byte[] bytes, int[] cuts) {
        EmbeddedChannel channel = new EmbeddedChannel(new TunnelFrameDecoder());
        List<String> frames = new ArrayList<>();
        try {
            int from = 0;
            for (int i = 0; i <= cuts.length; i++) {
                int to = i < cuts.length ? cuts[i] : bytes.length;
                channel.writeInbound(buf(bytes, from, to));
                frames.addAll(describeAndRelease(readAllInbound(channel)));
                from = to;
            }
        } finally {
            assertThat(channel.finishAndReleaseAll()).as("nothing left after the last frame").isFalse();
        }
        return frames;
    }
}
