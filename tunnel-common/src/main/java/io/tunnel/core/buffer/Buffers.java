package io.tunnel.core.buffer;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;

/** Buffer helpers shared by the handlers that hold bytes for a while. */
public final class Buffers {
    private Buffers() {
    }

    /**
     * Appends {@code more} to {@code held} without copying: {@code held} itself if it is a composite already, a new
     * composite of both otherwise. Ownership of both passes to the result; {@code held} may be {@code null}.
     */
    public static ByteBuf append(ByteBuf held, ByteBuf more, ByteBufAllocator alloc) {
        if (held == null) {
            return more;
        }
        CompositeByteBuf composite;
        if (held instanceof CompositeByteBuf c) {
            composite = c;
        } else {
            composite = alloc.compositeBuffer();
            composite.addComponent(true, held);
        }
        composite.addComponent(true, more);
        return composite;
    }
}
