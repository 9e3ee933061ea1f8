package io.tunnel.agent;

import io.tunnel.core.link.StreamListener;
import io.tunnel.core.link.TunnelLink;

/** What an agent's link handlers report to: links established, and (as {@link StreamListener}) streams ended. */
interface AgentLinks extends StreamListener {
    /** The handshake of {@code link} completed; called on the link's loop. */
    void linkEstablished(TunnelLink link);
}
