package io.tunnel.server;

import io.netty.channel.EventLoop;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoEventLoopGroup;
import java.util.function.Supplier;

/**
 * The loops a plaintext frontend registers its connections with: {@code preferred}'s loop when it names one of the
 * workers' loops, else the workers' own round-robin. The server prefers the loop of its one agent link while it has
 * exactly one: a connection then starts on the loop its stream will run on, and the move there once the request is read
 * ({@link StreamOpening}) costs nothing: no deregistration, no hop to another thread. With curl opening tunnels one
 * after another through one agent that was about a tenth of the server's CPU per tunnel and a sixth more tunnels per
 * second. With several links the link is known only from the request; TLS frontends keep the round-robin so that their
 * handshakes spread over every loop. The price: with one link, connections that never become streams (refused,
 * malformed, slow to send their request) also wait on that link's loop; none of them blocks it (header reads are
 * timed, password checks run off the loop).
 */
final class FrontendLoops extends WorkerLoopsView {
    private final Supplier<EventLoop> preferred;

    /** @param preferred the loop to register with, or {@code null} for the workers' choice; called on accept */
    FrontendLoops(IoEventLoopGroup workers, Supplier<EventLoop> preferred) {
        super(workers);
        this.preferred = preferred;
    }

    @Override
    public IoEventLoop next() {
        EventLoop loop = preferred.get();
        if (loop instanceof IoEventLoop io && io.parent() == workers) {
            return io;
        }
        return workers.next();
    }
}
