package io.tunnel.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProxyResponseDecoderTest {
    private static final String HEAD = "HTTP/1.1 200 Connection established\r\nX-A: 1\r\n\r\n";

    private static ByteBuf ascii(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
    }

    @Test
    void everySplitDecodesTheSameHead() {
        byte[] bytes = HEAD.getBytes(StandardCharsets.ISO_8859_1);
        for (int split = 0; split <= bytes.length; split++) {
            EmbeddedChannel ch = new EmbeddedChannel(new ProxyResponseDecoder());
            ch.writeInbound(Unpooled.wrappedBuffer(bytes, 0, split));
            ch.writeInbound(Unpooled.wrappedBuffer(bytes, split, bytes.length - split));
            assertThat(ch.<Object>readInbound()).as("split at %d", split)
                    .isEqualTo(new ProxyResponseHead(200, "Connection established"));
            assertThat(ch.finishAndReleaseAll()).isFalse();
        }
    }

    @Test
    void byteByByteDecodesTheSameHead() {
        EmbeddedChannel ch = new EmbeddedChannel(new ProxyResponseDecoder());
        for (byte b : HEAD.getBytes(StandardCharsets.ISO_8859_1)) {
            ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
        }
        assertThat(ch.<Object>readInbound()).isEqualTo(new ProxyResponseHead(200, "Connection established"));
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void bytesBehindTheHeadAreHeldAndHandedOnWhenRemoved() {
        EmbeddedChannel ch = new EmbeddedChannel(new ProxyResponseDecoder(), new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ctx.fireChannelRead(msg);
                if (msg instanceof ProxyResponseHead) {
                    ctx.pipeline().remove(ProxyResponseDecoder.class);
                }
            }
        });
        ch.writeInbound(ascii(HEAD + "first bytes"));
        ch.writeInbound(ascii(" and more"));
        assertThat(ch.<Object>readInbound()).isInstanceOf(ProxyResponseHead.class);
        StringBuilder rest = new StringBuilder();
        ByteBuf buf;
        while ((buf = ch.readInbound()) != null) {
            rest.append(buf.toString(StandardCharsets.US_ASCII));
            buf.release();
        }
        assertThat(rest.toString()).isEqualTo("first bytes and more");
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void bytesAfterTheHeadAreNotInterpreted() {
        EmbeddedChannel ch = new EmbeddedChannel(new ProxyResponseDecoder());
        ch.writeInbound(ascii(HEAD + "HTTP/1.1 502 Bad Gateway\r\n\r\n"));
        assertThat(ch.<Object>readInbound()).isInstanceOf(ProxyResponseHead.class);
        assertThat(ch.<Object>readInbound()).isNull();
        ch.finishAndReleaseAll();
    }

    @Test
    void headLongerThanTheLimitFails() {
        EmbeddedChannel ch = new EmbeddedChannel(new ProxyResponseDecoder());
        ch.writeInbound(ascii("HTTP/1.1 200 OK\r\n"));
        String filler = "X-Filler: " + "a".repeat(100) + "\r\n";
        assertThatThrownBy(() -> {
            for (int i = 0; i < 100; i++) {
                ch.writeInbound(ascii(filler));
            }
        }).isInstanceOf(TooLongFrameException.class);
        ch.finishAndReleaseAll();
    }

    @Test
    void headOfExactlyTheLimitIsAccepted() {
        String start = "HTTP/1.1 200 OK\r\nX: ";
        String head = start + "a".repeat(ProxyResponseHead.MAX_LENGTH - start.length() - 4) + "\r\n\r\n";
        assertThat(head).hasSize(ProxyResponseHead.MAX_LENGTH);
        EmbeddedChannel ch = new EmbeddedChannel(new ProxyResponseDecoder());
        ch.writeInbound(ascii(head + "x"));
        assertThat(ch.<Object>readInbound()).isEqualTo(new ProxyResponseHead(200, "OK"));
        ch.finishAndReleaseAll();
    }

    @Test
    void malformedStatusLineFails() {
        EmbeddedChannel ch = new EmbeddedChannel(new ProxyResponseDecoder());
        assertThatThrownBy(() -> ch.writeInbound(ascii("SSH-2.0-OpenSSH_9.2\r\n\r\n")))
                .isInstanceOf(DecoderException.class)
                .isInstanceOf(CorruptedFrameException.class);
        ch.finishAndReleaseAll();
    }
}
