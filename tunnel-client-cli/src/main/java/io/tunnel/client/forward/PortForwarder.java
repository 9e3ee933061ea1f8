package io.tunnel.client.forward;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.tunnel.client.ClientPipeline;
import io.tunnel.client.HandoverHandler;
import io.tunnel.client.TunnelClient;
import io.tunnel.core.transport.FatalErrorHandler;
import io.tunnel.core.transport.Transports;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * {@code tunnel-client forward}: listens on a local port and turns every accepted connection into a tunnel to one
 * target, relayed both ways (see {@link RelayHandler}). {@link #start()} binds (port 0 picks a free port, see
 * {@link #localAddress()}); {@link #close()} stops listening and closes every connection.
 */
public final class PortForwarder implements AutoCloseable {
    /** Write buffer water marks of both channels of a forward: above the high mark, the other side is not read. */
    static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(256 * 1024, 1024 * 1024);

    private final ForwardConfig config;
    private EventLoopGroup acceptGroup;
    private EventLoopGroup ioGroup;
    private TunnelClient client;
    private Channel serverChannel;

    public PortForwarder(ForwardConfig config) {
        this.config = config;
    }

    /** Builds the TLS contexts and binds the local port; blocking, call it from a main thread. */
    public PortForwarder start() throws IOException, InterruptedException {
        acceptGroup = Transports.newGroup(1, "forward-accept", FatalErrorHandler.LOG);
        ioGroup = Transports.newGroup(0, "forward-io", FatalErrorHandler.LOG);
        try {
            client = new TunnelClient(config.proxy().withAllowHalfClosure(true), ioGroup);
            ServerBootstrap bootstrap = new ServerBootstrap()
                    .group(acceptGroup, ioGroup)
                    .channel(Transports.serverChannel(ioGroup))
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline()
                                    .addLast(ClientPipeline.FORWARD, new ForwardHandler(client, config, WATER_MARK))
                                    .addLast(ClientPipeline.HANDOVER, new HandoverHandler(true));
                        }
                    });
            ChannelFuture bound = bootstrap.bind(config.listen()).await();
            if (!bound.isSuccess()) {
                throw new IOException("cannot listen on " + config.listen() + ": " + bound.cause().getMessage(),
                        bound.cause());
            }
            serverChannel = bound.channel();
        } catch (IOException | RuntimeException | InterruptedException e) {
            close();
            throw e;
        }
        return this;
    }

    /** The address actually bound (with the port chosen when the config asked for port 0). */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    @Override
    public void close() {
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly();
        }
        if (client != null) {
            client.close();
        }
        if (ioGroup != null) {
            ioGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (acceptGroup != null) {
            acceptGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
