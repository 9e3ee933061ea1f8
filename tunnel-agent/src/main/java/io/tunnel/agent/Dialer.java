package io.tunnel.agent;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.tunnel.core.PipelineNames;
import io.tunnel.core.link.LinkConstants;
import io.tunnel.core.link.StreamRelayHandler;
import io.tunnel.core.link.TunnelLink;
import io.tunnel.core.link.TunnelStream;
import io.tunnel.core.protocol.DialFrame;
import io.tunnel.core.protocol.DialResultFrame;
import io.tunnel.core.protocol.TunnelErrorCode;
import io.tunnel.core.transport.Transports;
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
 * connects a socket registered on the link's own event loop, within the dial timeout, and answers DIAL_RESULT.
 */
final class Dialer {
    private static final Logger LOG = LogManager.getLogger(Dialer.class);

    private final ExecutorService resolver;
    private final long maxDialMillis;

    Dialer(ExecutorService resolver, long maxDialMillis) {
        this.resolver = resolver;
        this.maxDialMillis = maxDialMillis;
    }

    /** Starts the dial of a new stream; runs on the link's loop, as do all callbacks. */
    void dial(TunnelStream stream, DialFrame dial) {
        TunnelLink link = stream.link();
        long timeoutMillis = Math.min(maxDialMillis, dial.timeoutMillis());
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        try {
            resolver.execute(() -> {
                InetAddress address;
                try {
                    address = InetAddress.getByName(dial.host());
                } catch (UnknownHostException e) {
                    link.eventLoop().execute(() -> fail(stream, TunnelErrorCode.DNS_FAILURE, "cannot resolve host"));
                    return;
                }
                link.eventLoop().execute(() -> connect(stream, new InetSocketAddress(address, dial.port()), deadline));
            });
        } catch (RejectedExecutionException e) {
            fail(stream, TunnelErrorCode.TOO_MANY_STREAMS, "resolver saturated");
        }
    }

    private void connect(TunnelStream stream, InetSocketAddress address, long deadline) {
        if (stream.isClosed()) {
            return; // reset by the server while resolving
        }
        long remainingMillis = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (remainingMillis <= 0) {
            fail(stream, TunnelErrorCode.DIAL_TIMEOUT, "resolving took the whole dial timeout");
            return;
        }
        TunnelLink link = stream.link();
        ChannelFuture connect = new Bootstrap()
                .group(link.eventLoop())
                .channel(Transports.socketChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, remainingMillis))
                .option(ChannelOption.TCP_NODELAY, true)
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
                link.writeAndFlush(DialResultFrame.success(stream.id()));
                stream.open();
            } else {
                TunnelErrorCode code = classify(f.cause());
                fail(stream, code, f.cause().getMessage());
            }
        });
    }

    private static void fail(TunnelStream stream, TunnelErrorCode code, String reason) {
        if (stream.isClosed()) {
            return;
        }
        LOG.debug("{}: {} {}", stream, code, reason);
        stream.link().writeAndFlush(DialResultFrame.failure(stream.id(), code, reason));
        stream.dialFailed(code, reason);
    }

    static TunnelErrorCode classify(Throwable cause) {
        if (cause instanceof ConnectTimeoutException) {
            return TunnelErrorCode.DIAL_TIMEOUT;
        }
        if (cause instanceof NoRouteToHostException) {
            return TunnelErrorCode.HOST_UNREACHABLE;
        }
        String message = String.valueOf(cause.getMessage()).toLowerCase(Locale.ROOT);
        if (message.contains("refused")) {
            return TunnelErrorCode.CONNECTION_REFUSED;
        }
        if (message.contains("timed out")) {
            return TunnelErrorCode.DIAL_TIMEOUT;
        }
        return TunnelErrorCode.HOST_UNREACHABLE;
    }
}
