package io.tunnel.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelPromise;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoEventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The loops the agent port registers its connections with: each goes to the loop with the fewest agent connections
 * open, and on a tie to {@code home}, the loop the plaintext frontends accept on. A server with one agent therefore
 * runs its link, its frontend's accepts and (through {@link FrontendLoops}) every stream on one loop: a new tunnel
 * is accepted, registered, read and dialled without waking another thread. With curl opening tunnels one after another
 * that hand-off (the acceptor's wake-up and its {@code eventfd} write to the link's loop) was about a fifth of the
 * server's CPU per tunnel. With several agents the links spread over the loops, and unlike a round-robin the spread
 * stays even as links come and go. Connections are counted from registration to close, handshake included, so that a
 * fleet reconnecting at once spreads too.
 */
final class LinkLoops extends WorkerLoopsView {
    private final IoEventLoop home;
    /** Open agent connections per worker loop; the map is filled once, the counts change on any thread. */
    private final Map<EventExecutor, AtomicInteger> open = new IdentityHashMap<>();

    LinkLoops(IoEventLoopGroup workers, IoEventLoop home) {
        super(workers);
        for (EventExecutor loop : workers) {
            open.put(loop, new AtomicInteger());
        }
        if (!open.containsKey(home)) {
            throw new IllegalArgumentException("the home loop is not one of the workers");
        }
        this.home = home;
    }

    @Override
    public IoEventLoop next() {
        IoEventLoop quietest = home;
        int fewest = open.get(home).get();
        for (Map.Entry<EventExecutor, AtomicInteger> loop : open.entrySet()) {
            int count = loop.getValue().get();
            if (count < fewest) {
                quietest = (IoEventLoop) loop.getKey();
                fewest = count;
            }
        }
        return quietest;
    }

    @Override
    public ChannelFuture register(Channel channel) {
        return counted(channel).register(channel);
    }

    @Override
    public ChannelFuture register(ChannelPromise promise) {
        return counted(promise.channel()).register(promise);
    }

    @Override
    @Deprecated
    public ChannelFuture register(Channel channel, ChannelPromise promise) {
        return counted(channel).register(channel, promise);
    }

    /** The loop {@code channel} registers with ({@link #next()}), where it counts until it closes. */
    private IoEventLoop counted(Channel channel) {
        IoEventLoop loop = next();
        AtomicInteger count = open.get(loop);
        count.incrementAndGet();
        channel.closeFuture().addListener(closed -> count.decrementAndGet());
        return loop;
    }
}
