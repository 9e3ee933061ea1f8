package io.tunnel.core.protocol;

import java.util.List;
import java.util.Map;

/**
 * The server's answer to HELLO: the version it will speak, its own receive settings and its attributes
 * ({@code server-id} and {@code server-count}, see {@code docs/protocol.md} §4; empty if none).
 */
public record HelloAckFrame(int version, TunnelSettings settings, String attributes) implements TunnelFrame {
    /** Attribute naming the server: agents hold one link per server id. */
    public static final String SERVER_ID = "server-id";
    /** Attribute telling how many servers the agent should link to. */
    public static final String SERVER_COUNT = "server-count";

    public HelloAckFrame {
        if (version < 0 || version > 0xFFFF) {
            throw new IllegalArgumentException("version: " + version);
        }
        HelloAttributes.check(attributes);
    }

    /** A HELLO_ACK without attributes. */
    public HelloAckFrame(int version, TunnelSettings settings) {
        this(version, settings, "");
    }

    /** A HELLO_ACK naming the server and how many servers there are. */
    public static HelloAckFrame of(int version, TunnelSettings settings, String serverId, int serverCount) {
        return new HelloAckFrame(version, settings, HelloAttributes.format(Map.of(
                SERVER_ID, List.of(serverId), SERVER_COUNT, List.of(Integer.toString(serverCount)))));
    }

    /** The server's id, or an empty string if it sent none. */
    public String serverId() {
        String id = HelloAttributes.first(HelloAttributes.parse(attributes), SERVER_ID);
        return id == null ? "" : id;
    }

    /** How many servers the agent should link to; 1 if the server did not say or said nonsense. */
    public int serverCount() {
        String count = HelloAttributes.first(HelloAttributes.parse(attributes), SERVER_COUNT);
        try {
            return count == null ? 1 : Math.max(1, Integer.parseInt(count));
        } catch (NumberFormatException e) {
            return 1;
        }
    }

    @Override
    public FrameType type() {
        return FrameType.HELLO_ACK;
    }

    @Override
    public int streamId() {
        return 0;
    }
}
