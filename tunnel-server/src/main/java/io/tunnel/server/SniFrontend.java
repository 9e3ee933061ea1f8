package io.tunnel.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.tunnel.core.PipelineNames;
import java.time.Duration;
import java.util.function.Function;

/**
 * The SNI passthrough frontend ({@code --sni-port}): a TLS client connects, its ClientHello's server name picks a
 * route ({@link SniRoutes}), and the connection becomes a stream to the route's destination through an agent, like a
 * CONNECT: the same routing strategies (for the destination's host), limits, flow control, access log and metrics.
 * The client's TLS is relayed, never terminated: it completes its handshake with the destination, whose certificate
 * it verifies. Pipeline: {@link PipelineNames#SNI_HELLO} → {@link PipelineNames#SNI} → relay.
 */
final class SniFrontend {
    private SniFrontend() {
    }

    /**
     * The listener's bootstrap, with the CONNECT frontend's socket options.
     *
     * @param helloTimeout the time a client has to send its complete ClientHello
     * @param chooser      the agent chooser of a new connection
     */
    static ServerBootstrap bootstrap(EventLoopGroup boss, EventLoopGroup workers, SniConfig config,
                                     Duration helloTimeout, Function<Channel, AgentChooser> chooser,
                                     AccessLog accessLog) {
        return TunnelServer.newFrontendBootstrap(boss, workers)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        FrontendAnswer answer = new FrontendAnswer(ch, accessLog, TlsAlert.SNI_WIRE);
                        ch.pipeline()
                                .addLast(PipelineNames.SNI_HELLO, new SniHelloDecoder(config.routes(), helloTimeout))
                                .addLast(PipelineNames.SNI,
                                        new SniConnectHandler(chooser.apply(ch), answer, config.proxyProtocol()));
                    }
                });
    }
}
