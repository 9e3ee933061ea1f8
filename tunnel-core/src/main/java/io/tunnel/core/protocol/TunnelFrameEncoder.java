package io.tunnel.core.protocol;

import static io.tunnel.core.protocol.ProtocolConstants.FRAME_HEADER_LENGTH;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Encodes {@link TunnelFrame}s. A DATA frame becomes two buffers, a 9-byte header and the payload itself,
 * so payload bytes are never copied. Stateless, hence {@link Sharable}.
 */
@ChannelHandler.Sharable
public final class TunnelFrameEncoder extends MessageToMessageEncoder<TunnelFrame> {
    public static final TunnelFrameEncoder INSTANCE = new TunnelFrameEncoder();

    private TunnelFrameEncoder() {
        super(TunnelFrame.class);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, TunnelFrame frame, List<Object> out) {
        if (frame instanceof DataFrame data) {
            ByteBuf content = data.content();
            ByteBuf header = ctx.alloc().ioBuffer(FRAME_HEADER_LENGTH);
            writeHeader(header, content.readableBytes(), FrameType.DATA, data.streamId());
            out.add(header);
            out.add(content.retain());
        } else {
            out.add(encodeControl(ctx.alloc(), frame));
        }
    }

    /** Encodes a control frame (anything but DATA) into one new buffer. */
    public static ByteBuf encodeControl(ByteBufAllocator alloc, TunnelFrame frame) {
        ByteBuf buf = alloc.ioBuffer(FRAME_HEADER_LENGTH + 32);
        int start = buf.writerIndex();
        writeHeader(buf, 0, frame.type(), frame.streamId());
        if (frame instanceof HelloFrame hello) {
            writeHello(buf, hello.version(), hello.settings(), hello.attributes());
        } else if (frame instanceof HelloAckFrame ack) {
            writeHello(buf, ack.version(), ack.settings(), ack.attributes());
        } else if (frame instanceof DialFrame dial) {
            buf.writeShort(dial.port());
            buf.writeInt(dial.timeoutMillis());
            writeAscii(buf, dial.host());
        } else if (frame instanceof DialResultFrame result) {
            buf.writeShort(result.code().code());
            writeAscii(buf, result.reason());
        } else if (frame instanceof WindowUpdateFrame update) {
            buf.writeInt(update.increment());
        } else if (frame instanceof ResetFrame reset) {
            buf.writeShort(reset.code().code());
        } else if (frame instanceof PingFrame ping) {
            buf.writeLong(ping.payload());
        } else if (frame instanceof PongFrame pong) {
            buf.writeLong(pong.payload());
        } else if (frame instanceof GoAwayFrame goAway) {
            buf.writeInt(goAway.lastStreamId());
            buf.writeShort(goAway.code().code());
            writeAscii(buf, goAway.reason());
        } else if (!(frame instanceof CloseFrame)) { // CLOSE has no payload
            buf.release();
            throw new IllegalArgumentException("not a control frame: " + frame.type());
        }
        buf.setMedium(start, buf.writerIndex() - start - FRAME_HEADER_LENGTH);
        return buf;
    }

    private static void writeHeader(ByteBuf buf, int length, FrameType type, int streamId) {
        buf.writeMedium(length);
        buf.writeByte(type.code());
        buf.writeByte(0);
        buf.writeInt(streamId);
    }

    private static void writeHello(ByteBuf buf, int version, TunnelSettings settings, String attributes) {
        buf.writeShort(version);
        buf.writeByte(TunnelSettings.COUNT);
        writeSetting(buf, TunnelSettings.ID_MAX_FRAME_SIZE, settings.maxFrameSize());
        writeSetting(buf, TunnelSettings.ID_INITIAL_WINDOW, settings.initialWindow());
        writeSetting(buf, TunnelSettings.ID_KEEPALIVE_MILLIS, settings.keepaliveMillis());
        writeSetting(buf, TunnelSettings.ID_MAX_STREAMS, settings.maxStreams());
        if (!attributes.isEmpty()) {
            buf.writeShort(attributes.length());
            buf.writeCharSequence(attributes, StandardCharsets.US_ASCII);
        }
    }

    private static void writeSetting(ByteBuf buf, int id, int value) {
        buf.writeShort(id);
        buf.writeInt(value);
    }

    private static void writeAscii(ByteBuf buf, String s) {
        buf.writeByte(s.length());
        buf.writeCharSequence(s, StandardCharsets.US_ASCII);
    }
}
