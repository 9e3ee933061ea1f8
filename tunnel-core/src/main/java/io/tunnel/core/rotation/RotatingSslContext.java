package io.tunnel.core.rotation;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ApplicationProtocolNegotiator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSessionContext;

/**
 * An {@link SslContext} that hands each new connection to the context {@link ReloadingTls} holds at that moment, so
 * that the bootstraps and handlers built with it need not know about rotation. Handlers come from the current context's
 * own {@code newHandler}, which keeps the provider's choices (the OpenSSL engine's non-JDK-compatible mode among
 * them); {@code startTls} is not supported, nothing here uses it.
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
        return current.get().sessionCacheSize();
    }

    @Override
    public long sessionTimeout() {
        return current.get().sessionTimeout();
    }

    @Override
    @SuppressWarnings("deprecation")
    public ApplicationProtocolNegotiator applicationProtocolNegotiator() {
        return current.get().applicationProtocolNegotiator();
    }

    @Override
    public SSLEngine newEngine(ByteBufAllocator alloc) {
        return current.get().newEngine(alloc);
    }

    @Override
    public SSLEngine newEngine(ByteBufAllocator alloc, String peerHost, int peerPort) {
        return current.get().newEngine(alloc, peerHost, peerPort);
    }

    @Override
    public SSLSessionContext sessionContext() {
        return current.get().sessionContext();
    }

    @Override
    protected SslHandler newHandler(ByteBufAllocator alloc, boolean startTls) {
        return current.get().newHandler(alloc);
    }

    @Override
    public SslHandler newHandler(ByteBufAllocator alloc, Executor delegatedTaskExecutor) {
        return current.get().newHandler(alloc, delegatedTaskExecutor);
    }

    @Override
    protected SslHandler newHandler(ByteBufAllocator alloc, boolean startTls, Executor executor) {
        return current.get().newHandler(alloc, executor);
    }

    @Override
    protected SslHandler newHandler(ByteBufAllocator alloc, String peerHost, int peerPort, boolean startTls) {
        return current.get().newHandler(alloc, peerHost, peerPort);
    }

    @Override
    public SslHandler newHandler(ByteBufAllocator alloc, String peerHost, int peerPort, Executor executor) {
        return current.get().newHandler(alloc, peerHost, peerPort, executor);
    }

    @Override
    protected SslHandler newHandler(ByteBufAllocator alloc, String peerHost, int peerPort, boolean startTls,
                                    Executor executor) {
        return current.get().newHandler(alloc, peerHost, peerPort, executor);
    }
}
