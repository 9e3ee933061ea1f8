package io.tunnel.core.link;

/** Told when a stream opens and when it ends, once each: where each side writes its access log lines. */
@FunctionalInterface
public interface StreamListener {
    void streamEnded(TunnelLink link, TunnelStream stream, StreamResult result);

    /** The stream's destination is connected: bytes flow from now on. On the link's loop. */
    default void streamOpened(TunnelLink link, TunnelStream stream) {
    }
}
