package io.tunnel.core.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;

/**
 * Stream payload. The frame owns its buffer: whoever holds it last releases it.
 */
public final class DataFrame extends DefaultByteBufHolder implements TunnelFrame {
    private final int streamId;

    public DataFrame(int streamId, ByteBuf content) {
        super(content);
        Frames.checkStreamId(streamId);
        this.streamId = streamId;
    }

    @Override
    public FrameType type() {
        return FrameType.DATA;
    }

    @Override
    public int streamId() {
        return streamId;
    }

    @Override
    public DataFrame replace(ByteBuf content) {
        return new DataFrame(streamId, content);
    }

    @Override
    public DataFrame copy() {
        return replace(content().copy());
    }

    @Override
    public DataFrame duplicate() {
        return replace(content().duplicate());
    }

    @Override
    public DataFrame retainedDuplicate() {
        return replace(content().retainedDuplicate());
    }

    @Override
    public DataFrame retain() {
        super.retain();
        return this;
    }

    @Override
    public DataFrame retain(int increment) {
        super.retain(increment);
        return this;
    }

    @Override
    public DataFrame touch(Object hint) {
        super.touch(hint);
        return this;
    }

    @Override
    public DataFrame touch() {
        super.touch();
        return this;
    }

    @Override
    public String toString() {
        return "DataFrame[streamId=" + streamId + ", length=" + content().readableBytes() + ']';
    }
}
