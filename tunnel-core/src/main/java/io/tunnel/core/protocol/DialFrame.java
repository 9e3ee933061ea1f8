package io.tunnel.core.protocol;

import static io.tunnel.core.protocol.ProtocolConstants.MAX_HOST_LENGTH;

/**
 * Server to agent: open stream {@code streamId} to {@code host:port}, giving up after {@code timeoutMillis}.
 * The host is a DNS name or an IP literal (IPv6 without brackets), resolved by the agent.
 */
public record DialFrame(int streamId, String host, int port, int timeoutMillis) implements TunnelFrame {
    public DialFrame {
        Frames.checkStreamId(streamId);
        if (!isValidHost(host)) {
            throw TunnelProtocolException.streamError(streamId, TunnelErrorCode.PROTOCOL_ERROR, "invalid dial host");
        }
        if (port < 1 || port > 0xFFFF) {
            throw TunnelProtocolException.streamError(streamId, TunnelErrorCode.PROTOCOL_ERROR,
                    "dial port " + port + " outside [1, 65535]");
        }
        if (timeoutMillis <= 0) {
            throw TunnelProtocolException.streamError(streamId, TunnelErrorCode.PROTOCOL_ERROR,
                    "dial timeout must be positive");
        }
    }

    @Override
    public FrameType type() {
        return FrameType.DIAL;
    }

    /**
     * A host is 1..253 characters of letters, digits and {@code . - _ :} (the last for IPv6 literals),
     * and {@code %} for an IPv6 zone. Anything else, including non-ASCII, is refused.
     */
    public static boolean isValidHost(String host) {
        if (host == null || host.isEmpty() || host.length() > MAX_HOST_LENGTH) {
            return false;
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || c == '.' || c == '-' || c == '_' || c == ':' || c == '%';
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
