package io.tunnel.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslContextOption;
import io.netty.handler.ssl.OpenSslSessionContext;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.internal.tcnative.SSL;
import io.tunnel.client.ClientPipeline;
import io.tunnel.client.TunnelClient;
import java.io.File;
import java.io.IOException;
import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * Where the load generator's connections go: directly to the destination, or through an HTTP CONNECT proxy in
 * plaintext or over TLS ({@code --via direct|plain|tls}). Tunnels are opened by the client library
 * ({@link TunnelClient#dialChannel(Bootstrap, InetSocketAddress, String, int, Duration)}) on this generator's
 * event loops, channel class and TLS context; a direct connection is a plain TCP connect.
 */
final class Target {
    enum Via { DIRECT, PLAIN, TLS }

    /** Bound on a TCP connect; a TLS handshake is bounded by the SslHandler's default (10 s). */
    static final int CONNECT_TIMEOUT_MILLIS = 15_000;
    /** Bound on the proxy's answer to CONNECT. */
    static final Duration DIAL_TIMEOUT = Duration.ofSeconds(15);

    final EventLoopGroup group;
    final Via via;
    final String destHost;
    final int destPort;
    /** TLS to the proxy, or {@code null}. */
    final SslContext ssl;
    private final InetSocketAddress proxy;
    /** Group, channel class and options of every connection; for tunnels also the SslHandler. */
    private final Bootstrap bootstrap;
    private volatile Method reusedMethod;

    Target(Options opts, EventLoopGroup group, Output out) throws IOException {
        this.group = group;
        this.via = Via.valueOf(opts.require("via").toUpperCase(Locale.ROOT));
        InetSocketAddress dest = hostPort(opts.require("target"));
        destHost = dest.getHostString();
        destPort = dest.getPort();
        proxy = via == Via.DIRECT ? null : resolve(hostPort(opts.require("proxy")));
        ssl = via == Via.TLS ? sslContext(opts, out) : null;
        bootstrap = new Bootstrap()
                .group(group)
                .channel(Epoll.isAvailable() ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS);
        if (ssl != null) {
            bootstrap.handler(new TlsInitializer(ssl, proxy));
        }
    }

    /** {@code HOST:PORT} as an unresolved address (resolved when connecting). */
    static InetSocketAddress hostPort(String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("want HOST:PORT, not " + text);
        }
        return InetSocketAddress.createUnresolved(text.substring(0, colon), Integer.parseInt(text.substring(colon + 1)));
    }

    private static SslContext sslContext(Options opts, Output out) throws IOException {
        SslProvider provider = OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
        SslContextBuilder builder = SslContextBuilder.forClient()
                .sslProvider(provider)
                .keyManager(new File(opts.require("cert")), new File(opts.require("key")));
        String pin = opts.get("pin", "");
        if (pin.isEmpty()) {
            builder.trustManager(new File(opts.require("ca"))).endpointIdentificationAlgorithm("HTTPS");
        } else {
            // The proxy must present exactly this certificate: see PinnedTrustManager.
            builder.trustManager(new PinnedTrustManager(Files.readAllBytes(Path.of(pin))));
        }
        // Key exchange groups offered, in order (--groups x25519,secp256r1); by default Netty's, which with BoringSSL
        // put the post-quantum hybrid X25519MLKEM768 first.
        String groups = opts.get("groups", "");
        if (!groups.isEmpty()) {
            if (provider != SslProvider.OPENSSL) {
                throw new IllegalArgumentException("--groups needs the OpenSSL provider");
            }
            builder.option(OpenSslContextOption.GROUPS, groups.split(","));
        }
        SslContext context = builder.build();
        // Full handshakes unless --resume: each new tunnel pays the whole mTLS cost, as a new client does.
        boolean resume = opts.has("resume");
        if (context.sessionContext() instanceof OpenSslSessionContext osc) {
            osc.setSessionCacheEnabled(resume);
        }
        out.log("TLS provider " + provider + (provider == SslProvider.OPENSSL ? " (" + OpenSsl.versionString()
                + ")" : "") + ", session resumption " + (resume ? "on" : "off") + ", key exchange groups "
                + (groups.isEmpty() ? "the provider's default" : groups));
        return context;
    }

    /**
     * Opens {@code conn} on {@code loop} (or the group's next loop when null): the connection is handed to it when
     * the tunnel (or the direct TCP connection) is open, a failure through {@link Conn#fail}.
     */
    void connect(Conn conn, EventLoop loop) {
        conn.startNanos = System.nanoTime();
        Bootstrap b = loop == null ? bootstrap : bootstrap.clone(loop);
        if (via == Via.DIRECT) {
            b.clone().handler(conn).connect(destHost, destPort).addListener((ChannelFutureListener) f -> {
                if (!f.isSuccess()) {
                    conn.fail(f.cause());
                }
            });
        } else {
            TunnelClient.dialChannel(b, proxy, destHost, destPort, DIAL_TIMEOUT).addListener(conn);
        }
    }

    /** Resolved once, before any connection: the proxy is one address for the whole run. */
    private static InetSocketAddress resolve(InetSocketAddress address) throws IOException {
        InetSocketAddress resolved = new InetSocketAddress(address.getHostString(), address.getPort());
        if (resolved.isUnresolved()) {
            throw new IOException("cannot resolve " + address.getHostString());
        }
        return resolved;
    }

    /** Whether the channel's TLS session was resumed (reflection: the engines expose it without an interface). */
    boolean sessionReused(Channel ch) {
        SslHandler h = ch.pipeline().get(SslHandler.class);
        if (h == null) {
            return false;
        }
        try {
            Method m = reusedMethod;
            for (Class<?> c = h.engine().getClass(); m == null && c != null; c = c.getSuperclass()) {
                try {
                    m = c.getDeclaredMethod("isSessionReused");
                    m.setAccessible(true);
                    reusedMethod = m;
                } catch (NoSuchMethodException e) {
                    // look further up
                }
            }
            return m != null && (Boolean) m.invoke(h.engine());
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }

    /**
     * The key exchange group the channel's TLS handshake agreed on ({@code X25519MLKEM768}, {@code X25519}, ...), or
     * {@code null} if the engine does not tell (the JDK's).
     */
    static String keyExchangeGroup(Channel ch) {
        SslHandler h = ch.pipeline().get(SslHandler.class);
        if (h == null || !(h.engine() instanceof ReferenceCountedOpenSslEngine engine)) {
            return null;
        }
        try {
            return SSL.getGroupName(engine.sslPointer());
        } catch (Exception e) {
            return null;
        }
    }

    /** TLS to the proxy as the first handler of a tunnel's channel. */
    @ChannelHandler.Sharable
    private static final class TlsInitializer extends ChannelInitializer<Channel> {
        private final SslContext ssl;
        private final InetSocketAddress proxy;

        TlsInitializer(SslContext ssl, InetSocketAddress proxy) {
            this.ssl = ssl;
            this.proxy = proxy;
        }

        @Override
        protected void initChannel(Channel ch) {
            ch.pipeline().addLast(ClientPipeline.SSL, ssl.newHandler(ch.alloc(), proxy.getHostString(),
                    proxy.getPort()));
        }
    }
}
