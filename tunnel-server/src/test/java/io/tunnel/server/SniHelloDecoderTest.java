package io.tunnel.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.tunnel.core.PipelineNames;
import io.tunnel.core.tls.ClientHellos;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What the SNI frontend makes of a connection's first bytes: a route, or a rejection with its alert and reason. */
class SniHelloDecoderTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final SniRoutes ROUTES = routes("private-api.internal=10.0.0.5:443", "other.internal=db:5432");
    private static final byte[] HELLO = ClientHellos.of("private-api.internal");

    private final EmbeddedChannel channel = new EmbeddedChannel();

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    static SniRoutes routes(String... routes) {
        try {
            return SniRoutes.of(List.of(routes), null);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private void decoder() {
        channel.pipeline().addLast(PipelineNames.SNI_HELLO, new SniHelloDecoder(ROUTES, TIMEOUT));
    }

    private void write(byte[]... pieces) {
        for (byte[] piece : pieces) {
            channel.writeInbound(Unpooled.wrappedBuffer(piece));
        }
    }

    /** What the decoder fired (routes and rejections), the SNI completion events left out. */
    private List<Object> outcomes() {
        List<Object> outcomes = new ArrayList<>();
        Object msg;
        while ((msg = channel.readInbound()) != null) {
            outcomes.add(msg);
        }
        return outcomes;
    }

    /** Removes the decoder, as the next handler does for a route, and returns the bytes it hands on. */
    private byte[] removeAndTakeBytes() {
        channel.pipeline().remove(PipelineNames.SNI_HELLO);
        ByteBuf buf = channel.readInbound();
        try {
            return ByteBufUtil.getBytes(buf);
        } finally {
            buf.release();
        }
    }

    private SniRejection rejection() {
        List<Object> outcomes = outcomes();
        assertThat(outcomes).hasSize(1).first().isInstanceOf(SniRejection.class);
        return (SniRejection) outcomes.get(0);
    }

    @Test
    void theServerNameOfARealClientHelloPicksItsRouteAndTheBytesGoOnUntouched() {
        decoder();
        write(HELLO);

        assertThat(outcomes()).containsExactly(SniRoutes.parse("private-api.internal=10.0.0.5:443"));
        assertThat(removeAndTakeBytes()).isEqualTo(HELLO);
    }

    @Test
    void everySplitIntoTwoSegmentsGivesTheSameRouteAndBytes() {
        for (int split = 1; split < HELLO.length; split++) {
            EmbeddedChannel ch = new EmbeddedChannel(new SniHelloDecoder(ROUTES, TIMEOUT));
            ch.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOf(HELLO, split)));
            assertThat((Object) ch.readInbound()).as("nothing after %d bytes", split).isNull();
            ch.writeInbound(Unpooled.wrappedBuffer(Arrays.copyOfRange(HELLO, split, HELLO.length)));
            assertThat((Object) ch.readInbound()).as("split at %d", split).isInstanceOf(SniRoutes.Route.class);
            ch.pipeline().removeFirst();
            ByteBuf bytes = ch.readInbound();
            assertThat(ByteBufUtil.getBytes(bytes)).isEqualTo(HELLO);
            bytes.release();
            assertThat(ch.finishAndReleaseAll()).isFalse();
        }
    }

    @Test
    void aClientHelloSentByteByByteIsRouted() {
        decoder();
        for (byte b : HELLO) {
            write(new byte[] {b});
        }
        assertThat(outcomes()).hasSize(1).first().isInstanceOf(SniRoutes.Route.class);
        assertThat(removeAndTakeBytes()).isEqualTo(HELLO);
    }

    @Test
    void aClientHelloInSeveralRecordsIsRoutedAndReplayedAsSent() {
        byte[] records = ClientHellos.inRecords(HELLO, 100);
        assertThat(records.length).isGreaterThan(HELLO.length + 5 * 3);
        decoder();
        write(records);

        assertThat(outcomes()).hasSize(1).first().isInstanceOf(SniRoutes.Route.class);
        assertThat(removeAndTakeBytes()).isEqualTo(records);
    }

    @Test
    void bytesThatFollowTheClientHelloGoOnBehindIt() {
        byte[] more = "early data".getBytes(StandardCharsets.US_ASCII);
        byte[] both = Arrays.copyOf(HELLO, HELLO.length + more.length);
        System.arraycopy(more, 0, both, HELLO.length, more.length);
        decoder();
        write(both);

        assertThat(outcomes()).hasSize(1);
        assertThat(removeAndTakeBytes()).isEqualTo(both);
    }

    @Test
    void namesCompareWhateverTheirCase() {
        decoder();
        write(ClientHellos.of("PRIVATE-API.Internal"));
        assertThat(outcomes()).containsExactly(SniRoutes.parse("private-api.internal=10.0.0.5:443"));
    }

    @Test
    void anUnknownNameIsRefusedWithUnrecognizedName() {
        decoder();
        write(ClientHellos.of("elsewhere.example"));

        assertThat(rejection()).isEqualTo(new SniRejection(ProxyResponse.FORBIDDEN, TlsAlert.UNRECOGNIZED_NAME,
                "sni:elsewhere.example", "server name not routed"));
    }

    @Test
    void aClientHelloWithoutServerNameIsRefusedWithMissingExtension() {
        decoder();
        write(ClientHellos.of(null));

        assertThat(rejection()).isEqualTo(new SniRejection(ProxyResponse.BAD_REQUEST, TlsAlert.MISSING_EXTENSION,
                SniRoutes.NO_NAME, "ClientHello without a server name"));
    }

    @Test
    void plainHttpIsRefusedWithoutAnAlert() {
        decoder();
        write("GET / HTTP/1.1\r\nHost: private-api.internal\r\n\r\n".getBytes(StandardCharsets.US_ASCII));

        assertThat(rejection()).isEqualTo(new SniRejection(ProxyResponse.BAD_REQUEST, FrontendAnswer.Wire.NOTHING,
                SniRoutes.NO_NAME, "not a TLS ClientHello"));
    }

    @Test
    void aClientHelloLargerThanTheBoundIsRefusedBeforeMoreIsHeld() {
        byte[] large = ClientHellos.large("private-api.internal");
        assertThat(large.length).isGreaterThan(SniHelloDecoder.MAX_HELD_BYTES);
        decoder();
        write(large);

        assertThat(rejection()).isEqualTo(new SniRejection(ProxyResponse.HEADERS_TOO_LARGE,
                TlsAlert.HANDSHAKE_FAILURE, SniRoutes.NO_NAME, "ClientHello larger than 16384 bytes"));
        write("more".getBytes(StandardCharsets.US_ASCII));
        assertThat(outcomes()).as("one outcome, nothing read after it").isEmpty();
    }

    @Test
    void aClientHelloNotCompleteInTimeIsRefused() {
        channel.freezeTime(); // only advanceTimeBy moves the clock: a slow machine cannot fire the timer early
        decoder();
        write(Arrays.copyOf(HELLO, 100));
        channel.advanceTimeBy(TIMEOUT.toMillis() - 1, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(outcomes()).isEmpty();

        channel.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(rejection()).isEqualTo(new SniRejection(ProxyResponse.REQUEST_TIMEOUT, FrontendAnswer.Wire.NOTHING,
                SniRoutes.NO_NAME, "ClientHello not complete within 10000 ms"));

        write(Arrays.copyOfRange(HELLO, 100, HELLO.length));
        assertThat(outcomes()).as("the rest of a late ClientHello is dropped").isEmpty();
    }

    @Test
    void aClientHelloCompleteInTimeCancelsTheTimer() {
        decoder();
        write(HELLO);
        outcomes();
        channel.advanceTimeBy(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(outcomes()).isEmpty();
    }

    @Test
    void anEndOfInputBeforeTheClientHelloEndedIsRefused() {
        decoder();
        write(Arrays.copyOf(HELLO, 50));
        channel.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);

        assertThat(rejection()).isEqualTo(new SniRejection(ProxyResponse.BAD_REQUEST, FrontendAnswer.Wire.NOTHING,
                SniRoutes.NO_NAME, "connection closed before the ClientHello ended"));
    }
}
