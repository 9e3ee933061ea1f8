package io.tunnel.core.rotation;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ApplicationProtocolNegotiator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.IllegalReferenceCountException;
import io.netty.util.ReferenceCounted;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSessionContext;

/**
 * An {@link SslContext} that hands each new connection to the context {@link ReloadingTls} holds at that moment, so
 * that the bootstraps and handlers built with it need not know about rotation. Handlers come from the current context's
 * own {@code newHandler}, which keeps the provider's choices (the OpenSSL engine's non-JDK-compatible mode among
 * them); {@code startTls} is not supported, nothing here uses it.
 *
 * <p>A reference-counted current context is retained while an engine is built from it: {@link ReloadingTls} releases
 * the one it replaces at any moment, and the engine, once built, holds its context itself.
 */
final class RotatingSslContext extends SslContext {
    private final Supplier<SslContext> current;

    RotatingSslContext(Supplier<SslContext> current) {
        this.current = current;
    }

    @Override
    public boolean isClient() {
        return current.get().isClient();
    }

    @Override
    public List<String> cipherSuites() {
        return current.get().cipherSuites();
    }

    @Override
    public long sessionCacheSize() {
        return fromCurrent(SslContext::sessionCacheSize);
    }

    @Override
    public long sessionTimeout() {
        return fromCurrent(SslContext::sessionTimeout);
    }

    @Override
    @SuppressWarnings("deprecation")
    public ApplicationProtocolNegotiator applicationProtocolNegotiator() {
        return current.get().applicationProtocolNegotiator();
    }

    @Override
    public SSLEngine newEngine(ByteBufAllocator alloc) {
        return fromCurrent(c -> c.newEngine(alloc));
    }

    @Override
    public SSLEngine newEngine(ByteBufAllocator alloc, String peerHost, int peerPort) {
        return fromCurrent(c -> c.newEngine(alloc, peerHost, peerPort));
    }

    @Override
    public SSLSessionContext sessionContext() {
        return current.get().sessionContext();
    }

    @Override
    protected SslHandler newHandler(ByteBufAllocator alloc, boolean startTls) {
        return fromCurrent(c -> c.newHandler(alloc));
    }

    @Override
    public SslHandler newHandler(ByteBufAllocator alloc, Executor delegatedTaskExecutor) {
        return fromCurrent(c -> c.newHandler(alloc, delegatedTaskExecutor));
    }

    @Override
    protected SslHandler newHandler(ByteBufAllocator alloc, boolean startTls, Executor executor) {
        return fromCurrent(c -> c.newHandler(alloc, executor));
    }

    @Override
    protected SslHandler newHandler(ByteBufAllocator alloc, String peerHost, int peerPort, boolean startTls) {
        return fromCurrent(c -> c.newHandler(alloc, peerHost, peerPort));
    }

    @Override
    public SslHandler newHandler(ByteBufAllocator alloc, String peerHost, int peerPort, Executor executor) {
        return fromCurrent(c -> c.newHandler(alloc, peerHost, peerPort, executor));
    }

    @Override
    protected SslHandler newHandler(ByteBufAllocator alloc, String peerHost, int peerPort, boolean startTls,
                                    Executor executor) {
        return fromCurrent(c -> c.newHandler(alloc, peerHost, peerPort, executor));
    }

    /**
     * {@code use} applied to the current context, held meanwhile if it is reference-counted. One released since it was
     * read has been replaced: the new one is taken. One released and still current was closed.
     */
    private <T> T fromCurrent(Function<SslContext, T> use) {
        for (;;) {
            SslContext context = current.get();
            if (!(context instanceof ReferenceCounted counted)) {
                return use.apply(context);
            }
            try {
                counted.retain();
            } catch (IllegalReferenceCountException e) {
                if (current.get() == context) {
                    throw new IllegalStateException("TLS context closed", e);
                }
                continue;
            }
            try {
                return use.apply(context);
            } finally {
                counted.release();
            }
        }
    }
}
