package io.tunnel.server;

import io.netty.channel.embedded.EmbeddedChannel;
import io.tunnel.core.link.TunnelLink;
import io.tunnel.core.protocol.AgentIdentifiers;
import io.tunnel.core.protocol.TunnelSettings;
import java.util.ArrayList;
import java.util.List;

/**
 * Agent links each on an {@link EmbeddedChannel} of its own, with the handler in the pipeline as after the handshake,
 * for tests of what reads links from any thread (registry, router). Closed together.
 */
final class StandaloneLinks implements AutoCloseable {
    private final AgentRegistry registry;
    private final List<EmbeddedChannel> channels = new ArrayList<>();

    StandaloneLinks(AgentRegistry registry) {
        this.registry = registry;
    }

    /** A link of {@code agentId} claiming {@code identifiers}, not yet in the registry. */
    ServerLinkHandler link(String agentId, String identifiers) {
        EmbeddedChannel channel = new EmbeddedChannel();
        channels.add(channel);
        TunnelLink link = new TunnelLink(channel, agentId, TunnelSettings.DEFAULT, TunnelSettings.DEFAULT,
                (l, stream, result) -> { });
        ServerLinkHandler handler = new ServerLinkHandler(link, null, registry, null,
                AgentIdentifiers.parse(identifiers));
        channel.pipeline().addLast(handler);
        return handler;
    }

    @Override
    public void close() {
        for (EmbeddedChannel channel : channels) {
            channel.finishAndReleaseAll();
        }
    }
}
