package io.tunnel.core.link;

/** Told when a stream ends, once: where each side writes its access log line. */
@FunctionalInterface
public interface StreamListener {
    void streamEnded(TunnelLink link, TunnelStream stream, StreamResult result);
}
