package io.tunnel.it;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.tunnel.core.protocol.DataFrame;
import io.tunnel.core.protocol.GoAwayFrame;
import io.tunnel.core.protocol.HelloAckFrame;
import io.tunnel.core.protocol.HelloFrame;
import io.tunnel.core.protocol.ProtocolConstants;
import io.tunnel.core.protocol.TunnelFrame;
import io.tunnel.core.protocol.TunnelFrameDecoder;
import io.tunnel.core.protocol.TunnelFrameEncoder;
import io.tunnel.core.protocol.TunnelSettings;
import io.tunnel.core.tls.TlsContexts;
import io.tunnel.core.tls.TlsProvider;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * A peer of the tunnel that holds a valid certificate, completes the handshake and then misbehaves: as an agent it
 * dials a server's agent port with an agent certificate; as a server it accepts agents with the server certificate.
 * It speaks through tunnel-core's own codec, and may never read what it is sent (a peer that only floods).
 */
public final class HostilePeer implements AutoCloseable {
    private static final Duration HANDSHAKE = Duration.ofSeconds(20);
    /** Frames written per turn of the event loop; each turn also reads (and notices the close). */
    private static final int FLOOD_BATCH = 512;
    /**
     * The peer's buffers: it is not under test, and the paranoid leak detection of the test JVM would slow its flood
     * to a trickle.
     */
    private static final ByteBufAllocator ALLOCATOR = new UnpooledByteBufAllocator(false, true);

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

    /**
     * Connects to an agent port as agent {@code name} (a certificate of the pki's agent tree) and completes the HELLO
     * exchange; with {@code reading} false, reads nothing more after HELLO_ACK.
     */
    public Link agent(TestPki pki, String name, int agentPort, boolean reading) throws Exception {
        SslContext tls = TlsContexts.client(pki.cert("agent", name), pki.key("agent", name), pki.ca("agent"),
                TlsProvider.AUTO, true);
        Link link = new Link(reading, true);
        new Bootstrap().group(group).channel(NioSocketChannel.class).option(ChannelOption.ALLOCATOR, ALLOCATOR)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        link.init(ch, tls.newHandler(ch.alloc(), "localhost", agentPort));
                    }
                })
                .connect("127.0.0.1", agentPort).sync();
        link.established.get(HANDSHAKE.toMillis(), TimeUnit.MILLISECONDS);
        return link;
    }

    /** Listens as a tunnel server with the agent tree's server certificate; accepted agents arrive in the queue. */
    public Server server(TestPki pki) throws Exception {
        SslContext tls = TlsContexts.mutualServer(pki.cert("agent", "proxy-master"), pki.key("agent", "proxy-master"),
                pki.ca("agent"), TlsProvider.AUTO, true);
        Server server = new Server();
        Channel listener = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.ALLOCATOR, ALLOCATOR)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        Link link = new Link(true, false);
                        link.init(ch, tls.newHandler(ch.alloc()));
                        server.accepted.add(link);
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
        server.port = ((InetSocketAddress) listener.localAddress()).getPort();
        return server;
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** A listening hostile server. */
    public static final class Server {
        private final BlockingQueue<Link> accepted = new LinkedBlockingQueue<>();
        private int port;

        public int port() {
            return port;
        }

        /** The next agent connection, once its HELLO was answered. */
        public Link nextLink(Duration timeout) throws Exception {
            Link link = accepted.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (link == null) {
                throw new AssertionError("no agent connected within " + timeout);
            }
            link.established.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return link;
        }
    }

    /** One hostile link: what it received (while it reads) and how it ended. */
    public static final class Link {
        private final boolean reading;
        private final boolean agentSide;
        private final CompletableFuture<Void> established = new CompletableFuture<>();
        private final CompletableFuture<GoAwayFrame> goAway = new CompletableFuture<>();
        private final CompletableFuture<Void> closed = new CompletableFuture<>();
        private final BlockingQueue<TunnelFrame> received = new LinkedBlockingQueue<>();
        private Channel channel;

        private Link(boolean reading, boolean agentSide) {
            this.reading = reading;
            this.agentSide = agentSide;
        }

        private void init(Channel ch, io.netty.handler.ssl.SslHandler ssl) {
            channel = ch;
            ch.closeFuture().addListener(f -> closed.complete(null));
            ch.pipeline().addLast(ssl, new TunnelFrameDecoder(), TunnelFrameEncoder.INSTANCE, new Receiver());
        }

        /** Sends frames now. */
        public void send(TunnelFrame... frames) {
            channel.eventLoop().execute(() -> {
                for (TunnelFrame frame : frames) {
                    channel.write(frame, channel.voidPromise());
                }
                channel.flush();
            });
        }

        /**
         * Writes {@code frame(0)}, {@code frame(1)}, ... as fast as the link takes them (while it is writable) until
         * it closes; the future completes with the number written.
         */
        public CompletableFuture<Long> flood(IntFunction<TunnelFrame> frame) {
            Flood flood = new Flood(frame);
            channel.eventLoop().execute(flood::pump);
            return flood.done;
        }

        /** The next frame received (reading links only) of {@code type}, skipping others. */
        public <T extends TunnelFrame> T next(Class<T> type, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                TunnelFrame frame = received.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (frame == null) {
                    throw new AssertionError("no " + type.getSimpleName() + " within " + timeout);
                }
                if (type.isInstance(frame)) {
                    return type.cast(frame);
                }
            }
        }

        /** The port of this end of the link, which the other side logs. */
        public int localPort() {
            return ((InetSocketAddress) channel.localAddress()).getPort();
        }

        /**
         * The GOAWAY the other side sent (reading links only). A link that floods may never see it: the other side
         * closes with what it did not read yet, its kernel resets the connection, and the next write here fails and
         * closes the link before the GOAWAY waiting in the receive buffer is read.
         */
        public CompletableFuture<GoAwayFrame> goAway() {
            return goAway;
        }

        public CompletableFuture<Void> closed() {
            return closed;
        }

        private final class Flood {
            private final IntFunction<TunnelFrame> frame;
            private final CompletableFuture<Long> done = new CompletableFuture<>();
            private int written;

            Flood(IntFunction<TunnelFrame> frame) {
                this.frame = frame;
                closed.thenRun(() -> done.complete((long) written));
            }

            void pump() {
                Receiver receiver = channel.pipeline().get(Receiver.class);
                if (!channel.isActive() || receiver == null) {
                    done.complete((long) written);
                    return;
                }
                for (int i = 0; i < FLOOD_BATCH && channel.isWritable(); i++) {
                    channel.write(frame.apply(written++), channel.voidPromise());
                }
                channel.flush();
                if (channel.isWritable()) {
                    // Scheduled, not executed: a task queued from a task runs before the loop's next read.
                    channel.eventLoop().schedule(this::pump, 1, TimeUnit.MICROSECONDS);
                } else {
                    // Resumed by the writability change; a peer that stops reading us leaves it waiting here.
                    receiver.onWritable = this::pump;
                }
            }
        }

        /** Completes the handshake, then records what arrives; the first frame of each side is its handshake. */
        private final class Receiver extends ChannelInboundHandlerAdapter {
            private Runnable onWritable;

            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                if (evt instanceof SslHandshakeCompletionEvent handshake) {
                    if (!handshake.isSuccess()) {
                        established.completeExceptionally(handshake.cause());
                    } else if (agentSide) {
                        ctx.writeAndFlush(new HelloFrame(ProtocolConstants.VERSION, TunnelSettings.DEFAULT));
                    }
                }
                ReferenceCountUtil.release(evt);
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof DataFrame data) {
                    data.release();
                    return;
                }
                TunnelFrame frame = (TunnelFrame) msg;
                if (!established.isDone()) {
                    if (frame instanceof HelloAckFrame) {
                        established.complete(null);
                        ctx.channel().config().setAutoRead(reading);
                    } else if (frame instanceof HelloFrame) {
                        ctx.writeAndFlush(new HelloAckFrame(ProtocolConstants.VERSION, TunnelSettings.DEFAULT));
                        established.complete(null);
                    } else {
                        established.completeExceptionally(new AssertionError("handshake answered with " + frame));
                    }
                    return;
                }
                if (frame instanceof GoAwayFrame g) {
                    goAway.complete(g);
                }
                received.add(frame);
            }

            @Override
            public void channelWritabilityChanged(ChannelHandlerContext ctx) {
                if (ctx.channel().isWritable() && onWritable != null) {
                    Runnable resume = onWritable;
                    onWritable = null;
                    resume.run();
                }
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                established.completeExceptionally(new AssertionError("closed during the handshake"));
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                ctx.close(); // a reset, or the other side's GOAWAY after a protocol error: the link is over
            }
        }
    }
}
