package io.tunnel.agent.webhook;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProtocols;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.tunnel.core.PipelineNames;
import io.tunnel.core.tls.TlsProvider;
import io.tunnel.core.transport.Transports;
import java.io.File;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The running pod webhook: HTTPS (TLS 1.3 or 1.2, as the apiserver speaks it) on Netty, client certificates required
 * only when a client CA is configured.
 */
public final class PodWebhookServer implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(PodWebhookServer.class);
    /** Reviews are small and quick to answer: two event loops are plenty. */
    private static final int IO_THREADS = 2;

    private final WebhookConfig config;
    private EventLoopGroup group;
    private Channel channel;

    public PodWebhookServer(WebhookConfig config) {
        this.config = config;
    }

    /**
     * Reads the certificates and binds; blocking, call it from a main thread. If it throws, nothing is left running.
     */
    public PodWebhookServer start() throws SSLException, InterruptedException {
        SslContext ssl = sslContext(config);
        ObjectMapper json = AdmissionReviews.strictMapper();
        WebhookHandler handler = new WebhookHandler(json,
                new AdmissionReviews(json, new PodEnvPatch(config.apiserverFqdn())));
        group = Transports.newGroup(IO_THREADS, "webhook-io");
        try {
            channel = new ServerBootstrap()
                    .group(group)
                    .channel(Transports.serverChannel())
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline()
                                    .addLast(WebhookPipeline.READ_TIMEOUT,
                                            new ReadTimeoutHandler(WebhookPipeline.READ_TIMEOUT_SECONDS))
                                    .addLast(PipelineNames.SSL, ssl.newHandler(ch.alloc()));
                            WebhookPipeline.addHttp(ch.pipeline(), handler);
                        }
                    })
                    .bind(config.bind()).sync().channel();
        } catch (InterruptedException | RuntimeException e) {
            close();
            throw e;
        }
        LOG.info("pod-webhook listening on https://{}:{}{}, setting KUBERNETES_SERVICE_HOST={} ({}, client "
                        + "certificates {})", config.bind().getHostString(), port(), WebhookHandler.WEBHOOK_PATH,
                config.apiserverFqdn(), Transports.name(), config.clientCa() == null ? "not asked for" : "required");
        return this;
    }

    static SslContext sslContext(WebhookConfig config) throws SSLException {
        File cert = readable(config.cert());
        File key = readable(config.key());
        File clientCa = config.clientCa() == null ? null : readable(config.clientCa());
        try {
            SslContextBuilder builder = SslContextBuilder.forServer(cert, key)
                    .sslProvider(TlsProvider.AUTO.toNetty())
                    .protocols(SslProtocols.TLS_v1_3, SslProtocols.TLS_v1_2);
            if (clientCa != null) {
                builder.trustManager(clientCa).clientAuth(ClientAuth.REQUIRE);
            }
            return builder.build();
        } catch (IllegalArgumentException e) {
            throw new SSLException("cannot use the certificates in " + config.cert().getParent() + ": "
                    + e.getMessage(), e);
        }
    }

    private static File readable(Path path) throws SSLException {
        if (!Files.isReadable(path)) {
            throw new SSLException("cannot read " + path);
        }
        return path.toFile();
    }

    /** The bound port (the real one when the configured port is 0). */
    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    @Override
    public void close() {
        if (channel != null) {
            channel.close().syncUninterruptibly();
        }
        if (group != null) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
