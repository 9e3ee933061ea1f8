package io.tunnel.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.Future;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The code of the library section of {@code tunnel-client/README.md}. Each region between {@code // tag::NAME[]} and
 * {@code // end::NAME[]} appears there verbatim as a {@code java} block (less the indentation), which
 * {@link ReadmeExamplesTest} checks, and runs, against a {@link FakeProxy}: the README shows code that compiles and
 * does what it says.
 */
final class ReadmeExamples {
    private ReadmeExamples() {
    }

    // tag::socket[]
    /** Says hello to an echo service in the private network, through the tunnel, and returns its answer. */
    static String hello(String proxyHost, int proxyPort, Path ca, Path cert, Path key) throws IOException {
        TunnelClientConfig config = TunnelClientConfig.builder()
                .proxy(proxyHost, proxyPort)                  // tunnel-server's CONNECT frontend
                .mutualTls(ca, cert, key)                     // PEM files; omit for a plaintext frontend
                .dialTimeout(Duration.ofSeconds(10))
                .build();
        try (TunnelClient client = new TunnelClient(config);  // or new TunnelClient(config, yourEventLoopGroup)
             Socket socket = client.dialSocket("echo.internal", 7)) { // right after the proxy's "200"
            socket.getOutputStream().write("hello\n".getBytes(StandardCharsets.US_ASCII));
            return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII))
                    .readLine();
        } catch (NoAgentException e) {                        // 503; each failure has its TunnelException
            return "no agent to reach " + e.target();
        }
    }
    // end::socket[]

    // tag::channel[]
    /** The same tunnel as a Netty channel, for {@code handler}; or the future fails with a TunnelException. */
    static Future<Channel> open(TunnelClient client, ChannelHandler handler) {
        return client.dialChannel("echo.internal", 7).addListener((Future<Channel> f) -> {
            if (f.isSuccess()) {
                Channel channel = f.getNow();                 // AUTO_READ is off: nothing is read before
                channel.pipeline().addLast(handler);          // your handlers are in place
                channel.config().setAutoRead(true);           // (or channel.read())
            }
        });
    }
    // end::channel[]

    // tag::bootstrap[]
    /** A tunnel on a bootstrap of your own: your event loops, channel class, options and TLS context. */
    static Future<Channel> openOn(EventLoopGroup group, SslContext sslContext, InetSocketAddress proxy) {
        Bootstrap bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                .handler(new ChannelInitializer<Channel>() {  // omit for a plaintext frontend
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(ClientPipeline.SSL,
                                sslContext.newHandler(ch.alloc(), proxy.getHostString(), proxy.getPort()));
                    }
                });
        return TunnelClient.dialChannel(bootstrap, proxy, "echo.internal", 7, Duration.ofSeconds(10));
    }
    // end::bootstrap[]
}
