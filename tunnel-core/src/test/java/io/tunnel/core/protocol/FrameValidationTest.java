package io.tunnel.core.protocol;

import static io.tunnel.core.protocol.FrameFixtures.buf;
import static io.tunnel.core.protocol.FrameFixtures.describeAndRelease;
import static io.tunnel.core.protocol.FrameFixtures.readAllInbound;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.embedded.EmbeddedChannel;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Values that cannot be put on the wire are refused when the frame is built; the decoder's size is adjustable. */
class FrameValidationTest {

    @ParameterizedTest
    @ValueSource(ints = {0, -1, 65_536, Integer.MAX_VALUE, Integer.MIN_VALUE})
    void dialPortOutsideTwoBytesIsRefused(int port) {
        assertThatThrownBy(() -> new DialFrame(1, "example.com", port, 1000))
                .isInstanceOf(TunnelProtocolException.class);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 80, 65_535})
    void dialPortInRangeIsAccepted(int port) {
        assertThat(new DialFrame(1, "example.com", port, 1000).port()).isEqualTo(port);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "a b", "caf\u00e9", "a/b", "[::1]", "h\n", "user@host"})
    void dialHostIsRefused(String host) {
        assertThatThrownBy(() -> new DialFrame(1, host, 80, 1000)).isInstanceOf(TunnelProtocolException.class);
    }

    @Test
    void dialHostLengthIsBounded() {
        assertThatCode(() -> new DialFrame(1, FrameFixtures.MAX_HOST, 80, 1000)).doesNotThrowAnyException();
        assertThatThrownBy(() -> new DialFrame(1, FrameFixtures.MAX_HOST + "a", 80, 1000))
                .isInstanceOf(TunnelProtocolException.class);
        assertThatThrownBy(() -> new DialFrame(1, null, 80, 1000)).isInstanceOf(TunnelProtocolException.class);
    }

    @Test
    void dialTimeoutAndStreamIdMustBePositive() {
        assertThatThrownBy(() -> new DialFrame(1, "h", 80, 0)).isInstanceOf(TunnelProtocolException.class);
        assertThatThrownBy(() -> new DialFrame(0, "h", 80, 1)).isInstanceOf(TunnelProtocolException.class);
        assertThatThrownBy(() -> new DialFrame(-1, "h", 80, 1)).isInstanceOf(TunnelProtocolException.class);
    }

    @Test
    void settingsOutOfRangeAreRefused() {
        TunnelSettings d = TunnelSettings.DEFAULT;
        for (int size : new int[] {0, -1, ProtocolConstants.MIN_FRAME_SIZE - 1,
                ProtocolConstants.MAX_FRAME_SIZE_CEILING + 1}) {
            assertThatThrownBy(() -> d.withMaxFrameSize(size)).as("max frame size %d", size)
                    .isInstanceOf(TunnelProtocolException.class);
        }
        for (int window : new int[] {0, -1, ProtocolConstants.MIN_INITIAL_WINDOW - 1}) {
            assertThatThrownBy(() -> d.withInitialWindow(window)).as("initial window %d", window)
                    .isInstanceOf(TunnelProtocolException.class);
        }
        assertThatThrownBy(() -> d.withKeepaliveMillis(0)).isInstanceOf(TunnelProtocolException.class);
        assertThatThrownBy(() -> d.withKeepaliveMillis(-5)).isInstanceOf(TunnelProtocolException.class);
        assertThatThrownBy(() -> d.withMaxStreams(0)).isInstanceOf(TunnelProtocolException.class);
        assertThatThrownBy(() -> d.withMaxStreams(-1)).isInstanceOf(TunnelProtocolException.class);
    }

    @Test
    void settingsBoundsAreAccepted() {
        TunnelSettings low = new TunnelSettings(ProtocolConstants.MIN_FRAME_SIZE, ProtocolConstants.MIN_INITIAL_WINDOW,
                1, 1);
        TunnelSettings high = new TunnelSettings(ProtocolConstants.MAX_FRAME_SIZE_CEILING, ProtocolConstants.MAX_WINDOW,
                Integer.MAX_VALUE, Integer.MAX_VALUE);
        assertThat(low.maxFrameSize()).isEqualTo(16 * 1024);
        assertThat(high.maxFrameSize()).isEqualTo(1 << 20);
        assertThat(TunnelSettings.DEFAULT).isEqualTo(new TunnelSettings(64 * 1024, 256 * 1024, 10_000, 10_000));
    }

    @Test
    void otherFrameValuesAreChecked() {
        assertThatThrownBy(() -> new WindowUpdateFrame(1, 0)).isInstanceOf(TunnelProtocolException.class);
        assertThatThrownBy(() -> new WindowUpdateFrame(1, -1)).isInstanceOf(TunnelProtocolException.class);
        assertThatThrownBy(() -> new CloseFrame(0)).isInstanceOf(TunnelProtocolException.class);
        assertThatThrownBy(() -> new ResetFrame(1, null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new GoAwayFrame(-1, TunnelErrorCode.NO_ERROR, ""))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new GoAwayFrame(0, TunnelErrorCode.NO_ERROR, FrameFixtures.MAX_REASON + "x"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DialResultFrame(1, TunnelErrorCode.NO_ERROR, "\u00e9"))
                .isInstanceOf(TunnelProtocolException.class);
        assertThatThrownBy(() -> new HelloFrame(0x1_0000, TunnelSettings.DEFAULT))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DialResultFrame.failure(1, TunnelErrorCode.NO_ERROR, "x"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(DialResultFrame.failure(1, TunnelErrorCode.DIAL_TIMEOUT, "t\u00e9\n" + "x".repeat(300)).reason())
                .hasSize(ProtocolConstants.MAX_REASON_LENGTH).startsWith("t??x");
    }

    @Test
    void errorAndTypeCodesAreExplicitAndUnique() {
        for (FrameType type : FrameType.values()) {
            assertThat(FrameType.valueOf(type.code())).isSameAs(type);
        }
        for (TunnelErrorCode code : TunnelErrorCode.values()) {
            assertThat(TunnelErrorCode.valueOf(code.code())).isSameAs(code);
        }
        assertThat(FrameType.DATA.code()).isEqualTo(0x05);
        assertThat(TunnelErrorCode.TOO_MANY_STREAMS.code()).isEqualTo(0x15);
        assertThatThrownBy(() -> FrameType.valueOf(0x0C)).isInstanceOf(TunnelProtocolException.class);
        assertThatThrownBy(() -> FrameType.valueOf(-1)).isInstanceOf(TunnelProtocolException.class);
        assertThatThrownBy(() -> TunnelErrorCode.valueOf(0x16)).isInstanceOf(TunnelProtocolException.class);
    }

    // ---- TunnelFrameDecoder#setMaxFrameSize ----

    @Test
    void raisingMaxFrameSizeAcceptsLargerFrames() {
        int size = 256 * 1024;
        byte[] big = FrameFixtures.encode(List.of(FrameFixtures.data(1, size)));
        List<String> expected = describeAndRelease(List.of(FrameFixtures.data(1, size)));

        TunnelFrameDecoder decoder = new TunnelFrameDecoder();
        assertThat(decoder.maxFrameSize()).isEqualTo(ProtocolConstants.DEFAULT_MAX_FRAME_SIZE);
        decoder.setMaxFrameSize(size);
        EmbeddedChannel channel = new EmbeddedChannel(decoder);
        try {
            channel.writeInbound(buf(big));
            assertThat(describeAndRelease(readAllInbound(channel))).isEqualTo(expected);
            decoder.setMaxFrameSize(ProtocolConstants.MAX_FRAME_SIZE_CEILING);
            byte[] ceiling = FrameFixtures.encode(List.of(FrameFixtures.data(3, ProtocolConstants.MAX_FRAME_SIZE_CEILING)));
            channel.writeInbound(buf(ceiling));
            assertThat(readAllInbound(channel)).hasSize(1).allSatisfy(f -> {
                assertThat(((DataFrame) f).content().readableBytes()).isEqualTo(ProtocolConstants.MAX_FRAME_SIZE_CEILING);
                assertThat(((DataFrame) f).release()).isTrue();
            });
        } finally {
            assertThat(channel.finishAndReleaseAll()).isFalse();
        }
    }

    @Test
    void aFrameOneByteAboveTheRaisedMaximumIsRefused() {
        int size = 100_000;
        TunnelFrameDecoder decoder = new TunnelFrameDecoder(size);
        EmbeddedChannel channel = new EmbeddedChannel(decoder);
        try {
            channel.writeInbound(buf(FrameFixtures.frameWithLength(size, FrameType.DATA.code(), 0, 1, new byte[0])));
            assertThat(channel.<Object>readInbound()).as("waits for the payload").isNull();
            channel.writeInbound(buf(new byte[size]));
            assertThat(describeAndRelease(readAllInbound(channel))).hasSize(1);
            assertThatThrownBy(() -> channel.writeInbound(
                    buf(FrameFixtures.frameWithLength(size + 1, FrameType.DATA.code(), 0, 1, new byte[0]))))
                    .isInstanceOfSatisfying(TunnelProtocolException.class,
                            e -> assertThat(e.errorCode()).isEqualTo(TunnelErrorCode.FRAME_SIZE_ERROR));
        } finally {
            assertThat(channel.finishAndReleaseAll()).isFalse();
        }
    }

    @Test
    void maxFrameSizeAboveTheCeilingIsRefused() {
        TunnelFrameDecoder decoder = new TunnelFrameDecoder();
        assertThatThrownBy(() -> decoder.setMaxFrameSize(ProtocolConstants.MAX_FRAME_SIZE_CEILING + 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> decoder.setMaxFrameSize(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TunnelFrameDecoder(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(decoder.maxFrameSize()).isEqualTo(ProtocolConstants.DEFAULT_MAX_FRAME_SIZE);
    }
}
