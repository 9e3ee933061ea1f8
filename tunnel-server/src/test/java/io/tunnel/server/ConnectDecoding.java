package io.tunnel.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Feeds bytes to a {@link ConnectRequestDecoder} in the frontend's pipeline order and records what comes out. The
 * handler behind the decoder does what {@code ConnectHandler} does with it: on a {@link ConnectRequest} it removes
 * the decoder, so the bytes pipelined after the head are handed on as a {@link ByteBuf}.
 *
 * <p>Every run checks the decoder's contracts: at most one answer; nothing handed on unless a request was decoded;
 * no request made up at the end of input; every input buffer released.
 */
final class ConnectDecoding {
    private static final String DECODER = "decoder";

    private ConnectDecoding() {
    }

    /**
     * What the decoder made of one input.
     *
     * @param answer   the {@link ConnectRequest} or {@link ConnectRejection}, {@code null} while it awaits more input
     * @param handedOn the bytes passed on after the head (ISO-8859-1), empty unless the answer is a request
     */
    record Outcome(Object answer, String handedOn) {
        static final Outcome AWAITING = new Outcome(null, "");

        static Outcome request(String host, int port, String handedOn) {
            return new Outcome(new ConnectRequest(host, port), handedOn);
        }

        /** The status of a rejection; fails if the answer is anything else. */
        int rejectionStatus() {
            assertThat(answer).as("answer").isInstanceOf(ConnectRejection.class);
            return ((ConnectRejection) answer).response().status();
        }
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Decodes {@code input} as one read, then ends the input. */
    static Outcome decode(String input) {
        return decode(bytes(input), new int[0]);
    }

    /** Decodes {@code input} cut into reads at the ascending offsets {@code cuts}, then ends the input. */
    static Outcome decode(byte[] input, int... cuts) {
        Collector collector = new Collector();
        EmbeddedChannel channel = new EmbeddedChannel();
        channel.pipeline().addLast(DECODER, new ConnectRequestDecoder()).addLast(collector);
        List<ByteBuf> fed = new ArrayList<>();
        try {
            int from = 0;
            for (int i = 0; i <= cuts.length; i++) {
                int to = i < cuts.length ? cuts[i] : input.length;
                ByteBuf chunk = PooledByteBufAllocator.DEFAULT.buffer(to - from).writeBytes(input, from, to - from);
                fed.add(chunk);
                channel.writeInbound(chunk);
                from = to;
            }
            int beforeEnd = collector.answers.size();
            channel.finish(); // end of input: channelInactive, so the decoder's decodeLast
            assertThat(collector.answers.subList(beforeEnd, collector.answers.size()))
                    .as("answers made up at the end of input").doesNotHaveAnyElementsOfTypes(ConnectRequest.class);
        } finally {
            assertThat(channel.finishAndReleaseAll()).as("nothing passed beyond the pipeline").isFalse();
        }
        for (ByteBuf chunk : fed) {
            assertThat(chunk.refCnt()).as("input buffer released").isZero();
        }
        assertThat(collector.answers).as("answers to one input").hasSizeLessThanOrEqualTo(1);
        Object answer = collector.answers.isEmpty() ? null : collector.answers.get(0);
        String handedOn = collector.handedOn.toString(StandardCharsets.ISO_8859_1);
        if (!(answer instanceof ConnectRequest)) {
            assertThat(handedOn).as("bytes handed on without a request").isEmpty();
        }
        return new Outcome(answer, handedOn);
    }

    /** Offsets 1, 2, … length-1: every byte a read of its own. */
    static int[] everyByte(int length) {
        int[] cuts = new int[Math.max(0, length - 1)];
        for (int i = 0; i < cuts.length; i++) {
            cuts[i] = i + 1;
        }
        return cuts;
    }

    /** Stands for {@code ConnectHandler}: takes the answer, removes the decoder on a request, keeps what follows. */
    private static final class Collector extends ChannelInboundHandlerAdapter {
        final List<Object> answers = new ArrayList<>();
        final ByteArrayOutputStream handedOn = new ByteArrayOutputStream();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf buf) {
                try {
                    byte[] bytes = new byte[buf.readableBytes()];
                    buf.readBytes(bytes);
                    handedOn.writeBytes(bytes);
                } finally {
                    buf.release();
                }
                return;
            }
            answers.add(msg);
            ReferenceCountUtil.release(msg);
            if (msg instanceof ConnectRequest && ctx.pipeline().get(DECODER) != null) {
                ctx.pipeline().remove(DECODER);
            }
        }
    }
}
