package io.tunnel.core.protocol;

import static io.tunnel.core.protocol.ProtocolConstants.MAX_REASON_LENGTH;

/** Checks shared by the frame constructors. */
public final class Frames {
    private Frames() {
    }

    static void checkStreamId(int streamId) {
        if (streamId <= 0) {
            throw TunnelProtocolException.connectionError(TunnelErrorCode.PROTOCOL_ERROR,
                    "stream frame with stream id " + Integer.toUnsignedString(streamId));
        }
    }

    static void checkReason(String reason) {
        if (reason == null) {
            throw new NullPointerException("reason");
        }
        if (reason.length() > MAX_REASON_LENGTH) {
            throw new IllegalArgumentException("reason longer than " + MAX_REASON_LENGTH);
        }
        for (int i = 0; i < reason.length(); i++) {
            char c = reason.charAt(i);
            if (c < 0x20 || c > 0x7E) {
                throw TunnelProtocolException.connectionError(TunnelErrorCode.PROTOCOL_ERROR,
                        "reason is not printable ASCII");
            }
        }
    }

    /** Trims and sanitises a free text to a valid reason, for building frames from exception messages. */
    public static String toReason(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(Math.min(text.length(), MAX_REASON_LENGTH));
        for (int i = 0; i < text.length() && sb.length() < MAX_REASON_LENGTH; i++) {
            char c = text.charAt(i);
            sb.append(c >= 0x20 && c <= 0x7E ? c : '?');
        }
        return sb.toString();
    }
}
