package io.tunnel.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.DefaultChannelPromise;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalIoHandler;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Which loop {@link LinkLoops} gives a new agent connection: the one with the fewest open, the home loop on a tie. */
class LinkLoopsTest {
    private final IoEventLoopGroup workers = new MultiThreadIoEventLoopGroup(3, LocalIoHandler.newFactory());
    private final IoEventLoop first;
    private final IoEventLoop second;
    private final IoEventLoop third;
    private final List<LocalChannel> channels = new ArrayList<>();

    LinkLoopsTest() {
        Iterator<?> it = workers.iterator();
        first = (IoEventLoop) it.next();
        second = (IoEventLoop) it.next();
        third = (IoEventLoop) it.next();
    }

    @AfterEach
    void shutDown() {
        channels.forEach(ch -> ch.close().syncUninterruptibly());
        workers.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void theFirstLinkGoesHomeAndTheNextOnesSpread() {
        LinkLoops loops = new LinkLoops(workers, second);

        assertThat(register(loops)).isSameAs(second);
        assertThat(List.of(register(loops), register(loops))).containsExactlyInAnyOrder(first, third);
        assertThat(register(loops)).isSameAs(second);
    }

    @Test
    void aLoopWhoseLinkClosedIsTheNextOneChosen() {
        LinkLoops loops = new LinkLoops(workers, first);
        register(loops);
        register(loops);
        register(loops);
        LocalChannel onThird = channels.stream().filter(ch -> ch.eventLoop() == third).findFirst().orElseThrow();

        onThird.close().syncUninterruptibly();

        assertThat(register(loops)).isSameAs(third);
    }

    @Test
    void connectionsCountFromRegistrationNotFromTheirHandshake() {
        LinkLoops loops = new LinkLoops(workers, first);

        assertThat(loops.next()).isSameAs(first);
        register(loops); // still handshaking, say: it counts all the same
        assertThat(loops.next()).isNotSameAs(first);
    }

    @Test
    void aConnectionRegisteredWithAPromiseCountsToo() {
        LinkLoops loops = new LinkLoops(workers, first);
        LocalChannel channel = new LocalChannel();
        channels.add(channel);

        loops.register(new DefaultChannelPromise(channel, ImmediateEventExecutor.INSTANCE)).syncUninterruptibly();

        assertThat(channel.eventLoop()).isSameAs(first);
        assertThat(loops.next()).isNotSameAs(first);
    }

    @Test
    void theHomeLoopMustBeOneOfTheWorkers() {
        IoEventLoopGroup others = new MultiThreadIoEventLoopGroup(1, LocalIoHandler.newFactory());
        try {
            assertThatThrownBy(() -> new LinkLoops(workers, (IoEventLoop) others.next()))
                    .isInstanceOf(IllegalArgumentException.class);
        } finally {
            others.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private IoEventLoop register(LinkLoops loops) {
        LocalChannel channel = new LocalChannel();
        channels.add(channel);
        loops.register(channel).syncUninterruptibly();
        return (IoEventLoop) channel.eventLoop();
    }
}
