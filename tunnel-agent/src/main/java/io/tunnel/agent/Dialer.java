package io.tunnel.agent;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.unix.Errors;
import io.netty.util.NetUtil;
import io.tunnel.agent.policy.DestinationPolicy;
import io.tunnel.core.PipelineNames;
import io.tunnel.core.link.LinkConstants;
import io.tunnel.core.link.StreamRelayHandler;
import io.tunnel.core.link.TunnelLink;
import io.tunnel.core.link.TunnelStream;
import io.tunnel.core.protocol.DialFrame;
import io.tunnel.core.protocol.DialResultFrame;
import io.tunnel.core.protocol.TunnelErrorCode;
import io.tunnel.core.transport.Transports;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Opens the agent's end of a stream: resolves the name with the system resolver on a bounded pool (so private
 * DNS, {@code /etc/hosts} and search domains work as for any program here, without blocking an event loop), then
 * connects a socket registered on the link's own event loop, within the dial timeout, and answers DIAL_RESULT. An IP
 * address needs no lookup: it is judged and connected by a task of the link's loop.
 */
final class Dialer implements StreamDialer {
    private static final Logger LOG = LogManager.getLogger(Dialer.class);
    /**
     * Linux's {@code ETIMEDOUT}, negated as Netty reports errno. {@link Errors} names no constant for it; its native
     * transport, the only source of a {@link Errors.NativeIoException}, is Linux's epoll.
     */
    static final int ETIMEDOUT_NEGATIVE = -110;

    /** Told how long each dial took, from the DIAL to its result; on the link's loop. */
    @FunctionalInterface
    interface Timer {
        /** @param result {@code connected} or the error code's name in lower case */
        void dialed(String result, long nanos);
    }

    private final ExecutorService resolver;
    private final long maxDialMillis;
    private final DestinationPolicy policy;
    private final Timer timer;

    Dialer(ExecutorService resolver, long maxDialMillis, DestinationPolicy policy, Timer timer) {
        this.resolver = resolver;
        this.maxDialMillis = maxDialMillis;
        this.policy = policy;
        this.timer = timer;
    }

    @Override
    public void dial(TunnelStream stream, DialFrame dial) {
        TunnelLink link = stream.link();
        long timeoutMillis = Math.min(maxDialMillis, dial.timeoutMillis());
        long start = System.nanoTime();
        long deadline = start + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        InetSocketAddress literal = literalDestination(dial);
        if (literal != null && !policy.consultsInterfaces(literal)) {
            // Nothing to look up: judged and connected on this loop, without the round trip through the resolver
            // pool. As a task of its own, after the ready sockets of this round: a socket opened amid them can get the
            // number of one closed in the same round, and Netty would hand it that one's stale readiness (a read
            // before the connect, which then fails on a closed channel).
            link.eventLoop().execute(() -> judgeAndConnect(stream, literal, start, deadline));
            return;
        }
        try {
            resolver.execute(() -> {
                InetSocketAddress destination;
                try {
                    destination = new InetSocketAddress(InetAddress.getByName(dial.host()), dial.port());
                } catch (UnknownHostException e) {
                    link.eventLoop().execute(() -> fail(stream, TunnelErrorCode.DNS_FAILURE, "cannot resolve host",
                            start));
                    return;
                }
                // Judged on the address resolved here, which is the one connected to: no second lookup.
                String refusal = policy.refusal(destination);
                if (refusal != null) {
                    String reason = refusalReason(destination, refusal);
                    link.eventLoop().execute(() -> fail(stream, TunnelErrorCode.POLICY_DENIED, reason, start));
                    return;
                }
                link.eventLoop().execute(() -> connect(stream, destination, start, deadline));
            });
        } catch (RejectedExecutionException e) {
            fail(stream, TunnelErrorCode.TOO_MANY_STREAMS, "resolver saturated", start);
        }
    }

    /**
     * The destination of a DIAL whose host is an IP address (as most are: the client asked for an address; a DIAL's
     * host carries no IPv6 zone id), or {@code null} for a name, which the system resolver looks up.
     */
    static InetSocketAddress literalDestination(DialFrame dial) {
        byte[] address = NetUtil.createByteArrayFromIpAddressString(dial.host());
        if (address == null) {
            return null;
        }
        try {
            return new InetSocketAddress(InetAddress.getByAddress(address), dial.port());
        } catch (UnknownHostException e) {
            return null; // not 4 or 16 bytes: cannot happen for a parsed literal
        }
    }

    /** On the link's loop: the policy's verdict on an address that needed no lookup, then the connect. */
    private void judgeAndConnect(TunnelStream stream, InetSocketAddress destination, long start, long deadline) {
        String refusal = policy.refusal(destination);
        if (refusal != null) {
            fail(stream, TunnelErrorCode.POLICY_DENIED, refusalReason(destination, refusal), start);
        } else {
            connect(stream, destination, start, deadline);
        }
    }

    private static String refusalReason(InetSocketAddress destination, String refusal) {
        return "destination " + NetUtil.toSocketAddressString(destination) + " not allowed: " + refusal;
    }

    private void connect(TunnelStream stream, InetSocketAddress address, long start, long deadline) {
        if (stream.isClosed()) {
            return; // reset by the server while resolving
        }
        long remainingMillis = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (remainingMillis <= 0) {
            fail(stream, TunnelErrorCode.DIAL_TIMEOUT, "resolving took the whole dial timeout", start);
            return;
        }
        TunnelLink link = stream.link();
        ChannelFuture connect = new Bootstrap()
                .group(link.eventLoop())
                .channel(Transports.socketChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, remainingMillis))
                // TCP_NODELAY is Netty's default; setting it again would be one more system call per tunnel
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.MAX_MESSAGES_PER_READ, LinkConstants.STREAM_READS_PER_BURST)
                .option(ChannelOption.AUTO_READ, false)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(PipelineNames.RELAY, new StreamRelayHandler(stream));
                    }
                })
                .connect(address);
        connect.addListener(f -> {
            if (stream.isClosed()) {
                connect.channel().close();
            } else if (f.isSuccess()) {
                timer.dialed("connected", System.nanoTime() - start);
                // Flushed once the loop handled its ready sockets, with the other answers and data of that round.
                link.writeAndFlushSoon(DialResultFrame.success(stream.id()));
                stream.open();
            } else {
                TunnelErrorCode code = classify(f.cause());
                fail(stream, code, f.cause().getMessage(), start);
            }
        });
    }

    private void fail(TunnelStream stream, TunnelErrorCode code, String reason, long start) {
        if (stream.isClosed()) {
            return;
        }
        timer.dialed(code.name().toLowerCase(Locale.ROOT), System.nanoTime() - start);
        LOG.debug("{}: {} {}", stream, code, reason);
        stream.link().writeAndFlush(DialResultFrame.failure(stream.id(), code, reason));
        stream.dialFailed(code, reason);
    }

    /**
     * The DIAL_RESULT code of a failed connect (docs/protocol.md §5), from the exception's type and, where Netty's
     * native transport reports one, its errno:
     * <ul>
     *   <li>{@link ConnectTimeoutException}: Netty's {@code CONNECT_TIMEOUT_MILLIS}, the dial timeout, expired;
     *   <li>{@link Errors.NativeIoException}: by errno, see {@link #classifyErrno(int)};
     *   <li>{@link NoRouteToHostException}: {@code EHOSTUNREACH} or {@code ENETUNREACH} (epoll), {@code EHOSTUNREACH}
     *       (NIO);
     *   <li>{@link UnknownHostException}: the name did not resolve;
     *   <li>any other {@link ConnectException}: {@code ECONNREFUSED}, what the type stands for (epoll and NIO both
     *       throw it for a refused connect). The kernel's own SYN timeout ({@code ETIMEDOUT}) comes as the same type,
     *       but with Linux's defaults only after about two minutes, long after the dial timeout (5 s by default);
     *   <li>anything else ({@code ENETUNREACH} on NIO is a plain {@link java.net.SocketException}): the destination
     *       cannot be reached.
     * </ul>
     */
    static TunnelErrorCode classify(Throwable cause) {
        if (cause instanceof ConnectTimeoutException) { // a ConnectException too: checked first
            return TunnelErrorCode.DIAL_TIMEOUT;
        }
        if (cause instanceof Errors.NativeIoException nativeError) {
            return classifyErrno(nativeError.expectedErr());
        }
        if (cause instanceof NoRouteToHostException) {
            return TunnelErrorCode.HOST_UNREACHABLE;
        }
        if (cause instanceof UnknownHostException) {
            return TunnelErrorCode.DNS_FAILURE;
        }
        if (cause instanceof ConnectException) {
            return TunnelErrorCode.CONNECTION_REFUSED;
        }
        return TunnelErrorCode.HOST_UNREACHABLE;
    }

    /**
     * The code for a negated errno of Netty's native transport (only there, so {@link Errors}' constants, which
     * need the native library, are safe to read).
     */
    static TunnelErrorCode classifyErrno(int negativeErrno) {
        if (negativeErrno == Errors.ERROR_ECONNREFUSED_NEGATIVE) {
            return TunnelErrorCode.CONNECTION_REFUSED;
        }
        if (negativeErrno == ETIMEDOUT_NEGATIVE) {
            return TunnelErrorCode.DIAL_TIMEOUT;
        }
        return TunnelErrorCode.HOST_UNREACHABLE; // EHOSTUNREACH, ENETUNREACH and whatever else keeps us out
    }
}
