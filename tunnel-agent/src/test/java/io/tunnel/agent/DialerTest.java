package io.tunnel.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.unix.Errors;
import io.netty.util.ReferenceCountUtil;
import io.tunnel.agent.policy.DestinationPolicy;
import io.tunnel.core.link.StreamResult;
import io.tunnel.core.link.TunnelLink;
import io.tunnel.core.protocol.DialFrame;
import io.tunnel.core.protocol.DialResultFrame;
import io.tunnel.core.protocol.TunnelErrorCode;
import io.tunnel.core.protocol.TunnelSettings;
import io.tunnel.core.transport.Transports;
import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.ServerSocket;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * How {@link Dialer} names a failed connect: by the exception types and errno values the transports give, never by
 * the words of a message; and a real dial to a closed loopback port answering {@code CONNECTION_REFUSED}.
 */
class DialerTest {
    @Test
    void nettysConnectTimeoutIsDialTimeout() {
        assertThat(Dialer.classify(new ConnectTimeoutException("connection timed out after 5000 ms: /10.0.0.1:80")))
                .isEqualTo(TunnelErrorCode.DIAL_TIMEOUT);
    }

    @Test
    void aConnectExceptionIsConnectionRefused() {
        // NIO's and epoll's texts, and none at all: only the type counts
        assertThat(Dialer.classify(new ConnectException("Connection refused")))
                .isEqualTo(TunnelErrorCode.CONNECTION_REFUSED);
        assertThat(Dialer.classify(new ConnectException(
                "finishConnect(..) failed with error(-111): Connection refused: /127.0.0.1:1")))
                .isEqualTo(TunnelErrorCode.CONNECTION_REFUSED);
        assertThat(Dialer.classify(new ConnectException())).isEqualTo(TunnelErrorCode.CONNECTION_REFUSED);
    }

    @Test
    void noRouteToHostIsHostUnreachable() {
        assertThat(Dialer.classify(new NoRouteToHostException())).isEqualTo(TunnelErrorCode.HOST_UNREACHABLE);
        assertThat(Dialer.classify(new NoRouteToHostException("connection refused, or so it says")))
                .as("the type, not the words").isEqualTo(TunnelErrorCode.HOST_UNREACHABLE);
    }

    @Test
    void anUnknownHostIsDnsFailure() {
        assertThat(Dialer.classify(new UnknownHostException("no-such-host.invalid")))
                .isEqualTo(TunnelErrorCode.DNS_FAILURE);
    }

    /** NIO reports ENETUNREACH as a plain SocketException, and a local address problem as a BindException. */
    @Test
    void otherSocketErrorsAreHostUnreachable() {
        assertThat(Dialer.classify(new SocketException("Network is unreachable")))
                .isEqualTo(TunnelErrorCode.HOST_UNREACHABLE);
        assertThat(Dialer.classify(new SocketException("Connection refused (but not a ConnectException)")))
                .as("the type, not the words").isEqualTo(TunnelErrorCode.HOST_UNREACHABLE);
        assertThat(Dialer.classify(new BindException("Cannot assign requested address")))
                .isEqualTo(TunnelErrorCode.HOST_UNREACHABLE);
        assertThat(Dialer.classify(new IOException("timed out"))).isEqualTo(TunnelErrorCode.HOST_UNREACHABLE);
    }

    /** Netty's native transport reports errno; its messages are the C library's texts for the same numbers. */
    @Test
    void nativeErrorsByErrno() {
        Epoll.ensureAvailability(); // loads the native library that Errors' constants come from
        assertThat(Dialer.classify(nativeError(Errors.ERROR_ECONNREFUSED_NEGATIVE)))
                .isEqualTo(TunnelErrorCode.CONNECTION_REFUSED);
        assertThat(Dialer.classify(nativeError(Dialer.ETIMEDOUT_NEGATIVE))).isEqualTo(TunnelErrorCode.DIAL_TIMEOUT);
        assertThat(Dialer.classify(nativeError(Errors.ERROR_EHOSTUNREACH_NEGATIVE)))
                .isEqualTo(TunnelErrorCode.HOST_UNREACHABLE);
        assertThat(Dialer.classify(nativeError(Errors.ERROR_ENETUNREACH_NEGATIVE)))
                .isEqualTo(TunnelErrorCode.HOST_UNREACHABLE);
        assertThat(Dialer.classify(nativeError(Errors.ERRNO_ECONNRESET_NEGATIVE)))
                .isEqualTo(TunnelErrorCode.HOST_UNREACHABLE);
        assertThat(nativeError(Dialer.ETIMEDOUT_NEGATIVE)).as("the errno Dialer takes for ETIMEDOUT")
                .hasMessageEndingWith("Connection timed out");
        assertThat(nativeError(Errors.ERROR_ECONNREFUSED_NEGATIVE)).hasMessageEndingWith("Connection refused");
    }

    /** The whole dial of a name on the transport the agent uses: resolve on the pool, connect, answer DIAL_RESULT. */
    @Test
    void aDialToAClosedLoopbackPortIsRefused() throws Exception {
        int closed;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = socket.getLocalPort();
        }
        EventLoopGroup group = Transports.newGroup(1, "dialer-test");
        ExecutorService resolver = Executors.newSingleThreadExecutor();
        try {
            FrameRecorder written = new FrameRecorder();
            // The link's channel only needs an event loop of the agent's transport: frames stop at the recorder.
            Channel linkChannel = new Bootstrap().group(group).channel(Transports.socketChannel()).handler(written)
                    .register().sync().channel();
            CompletableFuture<StreamResult> ended = new CompletableFuture<>();
            TunnelLink link = new TunnelLink(linkChannel, "server", TunnelSettings.DEFAULT, TunnelSettings.DEFAULT,
                    (l, stream, result) -> ended.complete(result));
            List<String> timed = new CopyOnWriteArrayList<>();
            Dialer dialer = new Dialer(resolver, 10_000, new DestinationPolicy(List.of(), List.of(), 0),
                    (result, nanos) -> timed.add(result + (nanos > 0 ? "" : " without a duration")));
            linkChannel.eventLoop().submit(() -> dialer.dial(link.newStream(1, "localhost:" + closed, "test"),
                    new DialFrame(1, "localhost", closed, 10_000))).sync();

            assertThat(ended.get(10, TimeUnit.SECONDS).code()).isEqualTo(TunnelErrorCode.CONNECTION_REFUSED);
            assertThat(written.frames).singleElement().isInstanceOfSatisfying(DialResultFrame.class, result -> {
                assertThat(result.streamId()).isEqualTo(1);
                assertThat(result.code()).isEqualTo(TunnelErrorCode.CONNECTION_REFUSED);
            });
            assertThat(link.streamCount()).isZero();
            assertThat(timed).as("the dial-duration histogram's observation").containsExactly("connection_refused");
            linkChannel.close().sync();
        } finally {
            resolver.shutdownNow();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void ipLiteralsNeedNoLookupNamesDo() {
        assertThat(Dialer.literalDestination(new DialFrame(1, "10.1.2.3", 80, 1000)))
                .isEqualTo(new InetSocketAddress("10.1.2.3", 80));
        assertThat(Dialer.literalDestination(new DialFrame(1, "fd00::1", 443, 1000)))
                .isEqualTo(new InetSocketAddress("fd00::1", 443));
        assertThat(Dialer.literalDestination(new DialFrame(1, "::ffff:10.1.2.3", 80, 1000)).getAddress())
                .as("IPv4-mapped, as InetAddress makes it").isEqualTo(new InetSocketAddress("10.1.2.3", 80).getAddress());
        assertThat(Dialer.literalDestination(new DialFrame(1, "db.internal", 5432, 1000))).isNull();
        assertThat(Dialer.literalDestination(new DialFrame(1, "10.1.2", 80, 1000))).as("a name to the resolver")
                .isNull();
    }

    /**
     * An IP address is dialled from the link's loop: a resolver pool that takes no task (it would answer
     * {@code resolver saturated}) is not asked, and the dial reaches the closed port.
     */
    @Test
    void anIpAddressIsDialledWithoutTheResolverPool() throws Exception {
        ExecutorService resolver = Executors.newSingleThreadExecutor();
        resolver.shutdown();
        assertThat(dialClosedLoopbackPort(resolver, 0)).isEqualTo(TunnelErrorCode.CONNECTION_REFUSED);
    }

    /** The agent's own health port needs a look at the host's interfaces: that stays on the pool, off the loop. */
    @Test
    void theHealthPortIsJudgedOnThePool() throws Exception {
        ExecutorService resolver = Executors.newSingleThreadExecutor();
        resolver.shutdown();
        assertThat(dialClosedLoopbackPort(resolver, -1)).as("the pool was asked, and took no task")
                .isEqualTo(TunnelErrorCode.TOO_MANY_STREAMS);
    }

    /**
     * Dials 127.0.0.1 at a closed port with {@code resolver}; {@code healthPort} -1 makes that port the agent's
     * health port. Returns how the stream ended.
     */
    private static TunnelErrorCode dialClosedLoopbackPort(ExecutorService resolver, int healthPort) throws Exception {
        int closed;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = socket.getLocalPort();
        }
        EventLoopGroup group = Transports.newGroup(1, "dialer-test");
        try {
            Channel linkChannel = new Bootstrap().group(group).channel(Transports.socketChannel())
                    .handler(new FrameRecorder()).register().sync().channel();
            CompletableFuture<StreamResult> ended = new CompletableFuture<>();
            TunnelLink link = new TunnelLink(linkChannel, "server", TunnelSettings.DEFAULT, TunnelSettings.DEFAULT,
                    (l, stream, result) -> ended.complete(result));
            Dialer dialer = new Dialer(resolver, 10_000, new DestinationPolicy(List.of(), List.of(),
                    healthPort < 0 ? closed : healthPort), (result, nanos) -> { });
            linkChannel.eventLoop().submit(() -> dialer.dial(link.newStream(1, "127.0.0.1:" + closed, "test"),
                    new DialFrame(1, "127.0.0.1", closed, 10_000))).sync();
            TunnelErrorCode code = ended.get(10, TimeUnit.SECONDS).code();
            linkChannel.close().sync();
            return code;
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    private static Errors.NativeIoException nativeError(int negativeErrno) {
        return new Errors.NativeIoException("connect", negativeErrno);
    }

    /** Takes every frame written to the link's channel instead of sending it. */
    private static final class FrameRecorder extends ChannelOutboundHandlerAdapter {
        final List<Object> frames = new CopyOnWriteArrayList<>();

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            frames.add(msg);
            ReferenceCountUtil.release(msg);
            promise.trySuccess();
        }

        @Override
        public void flush(ChannelHandlerContext ctx) {
            // nothing was passed on
        }
    }
}
