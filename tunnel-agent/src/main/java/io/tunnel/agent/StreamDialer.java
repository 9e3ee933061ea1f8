package io.tunnel.agent;

import io.tunnel.core.link.TunnelStream;
import io.tunnel.core.protocol.DialFrame;

/** Opens the agent's end of a new stream: connects to the DIAL's destination and answers DIAL_RESULT. */
@FunctionalInterface
interface StreamDialer {
    /** Starts the dial of {@code stream}; called on the link's loop, which every outcome is reported on. */
    void dial(TunnelStream stream, DialFrame dial);
}
