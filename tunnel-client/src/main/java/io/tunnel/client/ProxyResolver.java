package io.tunnel.client;

import io.netty.util.NetUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Resolves the proxy's host name with the system resolver, never on an event loop (it blocks): an address literal
 * needs no lookup; a name is looked up on one daemon thread, started when first needed, and the result is handed
 * back on the dialling event loop. The JDK caches answers, so most look-ups are immediate.
 */
final class ProxyResolver implements AutoCloseable {
    private static final int MAX_QUEUED_LOOKUPS = 1024;

    private final String host;
    private final int port;
    private final InetAddress literal;
    private ThreadPoolExecutor executor;

    ProxyResolver(String host, int port) {
        this.host = host;
        this.port = port;
        this.literal = NetUtil.createInetAddressFromIpAddressString(host);
    }

    Future<InetSocketAddress> resolve(EventExecutor loop) {
        Promise<InetSocketAddress> promise = loop.newPromise();
        if (literal != null) {
            return promise.setSuccess(new InetSocketAddress(literal, port));
        }
        try {
            executor().execute(() -> {
                try {
                    promise.trySuccess(new InetSocketAddress(InetAddress.getByName(host), port));
                } catch (UnknownHostException e) {
                    promise.tryFailure(e);
                }
            });
        } catch (RejectedExecutionException e) {
            promise.tryFailure(new UnknownHostException("too many pending look-ups of " + host));
        }
        return promise;
    }

    /** Blocking look-up, for callers that chose a blocking API. */
    InetSocketAddress resolveNow() throws UnknownHostException {
        return new InetSocketAddress(literal != null ? literal : InetAddress.getByName(host), port);
    }

    private synchronized ThreadPoolExecutor executor() {
        if (executor == null) {
            executor = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS,
                    new ArrayBlockingQueue<>(MAX_QUEUED_LOOKUPS), new DefaultThreadFactory("tunnel-client-dns", true));
            executor.allowCoreThreadTimeOut(true);
        }
        return executor;
    }

    @Override
    public synchronized void close() {
        if (executor != null) {
            executor.shutdownNow();
        }
    }
}
