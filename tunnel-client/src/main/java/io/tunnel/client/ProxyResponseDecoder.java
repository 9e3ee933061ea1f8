package io.tunnel.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Reads one response head from the proxy and emits it as a {@link ProxyResponseHead}.
 *
 * <p>Bounded: a head longer than {@value ProxyResponseHead#MAX_LENGTH} bytes fails with a {@link TooLongFrameException},
 * one that is not an HTTP/1.x status line with a {@link CorruptedFrameException}; each byte is scanned once. After
 * the head the decoder stops: the bytes behind it (the target's first bytes) stay in its buffer and go to the next
 * handler when the decoder is removed, never interpreted.
 */
final class ProxyResponseDecoder extends ByteToMessageDecoder {
    private final ProxyResponseHead.EndFinder endFinder = new ProxyResponseHead.EndFinder();
    private int scanned;
    private boolean done;

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (done) {
            return;
        }
        int limit = Math.min(in.readableBytes(), ProxyResponseHead.MAX_LENGTH) - scanned;
        if (limit > 0) {
            int end = in.forEachByte(in.readerIndex() + scanned, limit, endFinder);
            if (end >= 0) {
                int length = end - in.readerIndex() + 1;
                String head = in.toString(in.readerIndex(), length, StandardCharsets.ISO_8859_1);
                in.skipBytes(length);
                done = true;
                try {
                    out.add(ProxyResponseHead.parse(head));
                } catch (IllegalArgumentException e) {
                    throw new CorruptedFrameException(e.getMessage());
                }
                return;
            }
            scanned += limit;
        }
        if (scanned >= ProxyResponseHead.MAX_LENGTH) {
            done = true;
            throw ProxyResponseHead.tooLong();
        }
    }
}
