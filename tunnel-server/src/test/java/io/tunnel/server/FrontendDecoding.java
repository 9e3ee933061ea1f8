package io.tunnel.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Feeds bytes to a {@link FrontendRequestDecoder} in the frontend's pipeline order and records what comes out. The
 * handler behind the decoder does what {@code ConnectHandler} does with it: on a {@link ConnectRequest} it removes
 * the decoder, so the bytes pipelined after the head are handed on as a {@link ByteBuf}.
 *
 * <p>Every run checks the decoder's contracts: nothing after a final answer (a CONNECT or a refusal); bodies only
 * after a forwarded request's head; nothing handed on unless a CONNECT was decoded; no answer made up at the end of
 * input; every input buffer released.
 */
final class FrontendDecoding {
    private static final String DECODER = "decoder";
    /** Marks the end of a forwarded request's body in {@link Outcome#body()}. */
    static final String END = "<end>";

    private FrontendDecoding() {
    }

    /** A forwarded request head, by value (Netty's request objects compare their decoder results by identity). */
    record Forwarded(ConnectRequest connect, RequestTargets.Absolute target, String method, String version,
                     List<String> fields) {
        static Forwarded of(ForwardRequest request) {
            HttpRequest head = request.head();
            List<String> fields = new ArrayList<>();
            for (Map.Entry<String, String> field : head.headers()) {
                fields.add(field.getKey() + ": " + field.getValue());
            }
            return new Forwarded(request.connect(), request.target(), head.method().name(),
                    head.protocolVersion().text(), fields);
        }
    }

    /**
     * What the decoder made of one input.
     *
     * @param answers  the {@link ConnectRequest}s, {@link Forwarded} heads and {@link ConnectRejection}s, in order
     * @param body     the forwarded requests' bodies (ISO-8859-1), each ended by {@link #END}
     * @param handedOn the bytes passed on after a CONNECT's head (ISO-8859-1), empty unless the last answer is one
     */
    record Outcome(List<Object> answers, String body, String handedOn) {
        static final Outcome AWAITING = new Outcome(List.of(), "", "");

        static Outcome of(Object answer, String handedOn) {
            return new Outcome(List.of(answer), "", handedOn);
        }

        static Outcome request(String host, int port, String handedOn) {
            return of(new ConnectRequest(host, port), handedOn);
        }

        /** The first answer, {@code null} while the decoder awaits more input. */
        Object answer() {
            return answers.isEmpty() ? null : answers.get(0);
        }

        /** The last answer, {@code null} if none. */
        Object last() {
            return answers.isEmpty() ? null : answers.get(answers.size() - 1);
        }

        /** Whether the last answer ends the decoding: a CONNECT or a refusal. */
        boolean isFinal() {
            return last() instanceof ConnectRequest || last() instanceof ConnectRejection;
        }

        /** Whether the input ended inside a forwarded request's body. */
        boolean inBody() {
            long heads = answers.stream().filter(Forwarded.class::isInstance).count();
            long ends = (body.length() - body.replace(END, "").length()) / END.length();
            return last() instanceof Forwarded && ends < heads;
        }

        /** The status of the one answer, a rejection; fails if it is anything else. */
        int rejectionStatus() {
            assertThat(answers).as("answers").hasSize(1);
            assertThat(answer()).as("answer").isInstanceOf(ConnectRejection.class);
            return ((ConnectRejection) answer()).response().status();
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
        channel.pipeline().addLast(DECODER, new FrontendRequestDecoder()).addLast(collector);
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
                    .as("answers made up at the end of input").isEmpty();
        } finally {
            assertThat(channel.finishAndReleaseAll()).as("nothing passed beyond the pipeline").isFalse();
        }
        for (ByteBuf chunk : fed) {
            assertThat(chunk.refCnt()).as("input buffer released").isZero();
        }
        List<Object> answers = collector.answers;
        for (int i = 0; i < answers.size() - 1; i++) {
            assertThat(answers.get(i)).as("only forwarded heads are followed by more answers")
                    .isInstanceOf(Forwarded.class);
        }
        String handedOn = collector.handedOn.toString(StandardCharsets.ISO_8859_1);
        if (!(collector.last() instanceof ConnectRequest)) {
            assertThat(handedOn).as("bytes handed on without a CONNECT").isEmpty();
        }
        return new Outcome(List.copyOf(answers), collector.body.toString(StandardCharsets.ISO_8859_1), handedOn);
    }

    /** Offsets 1, 2, … length-1: every byte a read of its own. */
    static int[] everyByte(int length) {
        int[] cuts = new int[Math.max(0, length - 1)];
        for (int i = 0; i < cuts.length; i++) {
            cuts[i] = i + 1;
        }
        return cuts;
    }

    /** Stands for {@code ConnectHandler}: takes the answers, removes the decoder on a CONNECT, keeps what follows. */
    private static final class Collector extends ChannelInboundHandlerAdapter {
        final List<Object> answers = new ArrayList<>();
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        final ByteArrayOutputStream handedOn = new ByteArrayOutputStream();

        Object last() {
            return answers.isEmpty() ? null : answers.get(answers.size() - 1);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof ByteBuf buf) {
                    assertThat(last()).as("bytes handed on after a CONNECT").isInstanceOf(ConnectRequest.class);
                    copy(buf, handedOn);
                } else if (msg instanceof HttpContent piece) {
                    assertThat(last()).as("a body after a forwarded head").isInstanceOf(Forwarded.class);
                    copy(piece.content(), body);
                    if (piece instanceof LastHttpContent) {
                        body.writeBytes(bytes(END));
                    }
                } else if (msg instanceof ForwardRequest forward) {
                    answers.add(Forwarded.of(forward));
                } else {
                    assertThat(msg).isInstanceOfAny(ConnectRequest.class, ConnectRejection.class);
                    answers.add(msg);
                    if (msg instanceof ConnectRequest && ctx.pipeline().get(DECODER) != null) {
                        ctx.pipeline().remove(DECODER);
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private static void copy(ByteBuf buf, ByteArrayOutputStream to) {
            byte[] bytes = new byte[buf.readableBytes()];
            buf.getBytes(buf.readerIndex(), bytes);
            to.writeBytes(bytes);
        }
    }
}
