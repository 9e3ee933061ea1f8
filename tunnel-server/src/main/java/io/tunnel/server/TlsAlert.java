package io.tunnel.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * The fatal TLS alerts the SNI frontend refuses a client with, as constant bytes: one plaintext alert record, as a
 * TLS server sends before any key exists (RFC 8446 §5.1, §6). Sent only before the ClientHello went on to a
 * destination; from then on every byte the client reads is the destination's.
 */
enum TlsAlert implements FrontendAnswer.Wire {
    /** A route failed on our side: no agent, a limit, a failed or late dial. */
    INTERNAL_ERROR(80),
    /** The agent's policy refused the destination. */
    ACCESS_DENIED(49),
    /** The ClientHello is larger than the frontend reads. */
    HANDSHAKE_FAILURE(40),
    /** The server name is not routed (RFC 6066 §3). */
    UNRECOGNIZED_NAME(112),
    /** The ClientHello has no server name, which the frontend requires (RFC 8446 §9.2). */
    MISSING_EXTENSION(109);

    /** ContentType alert (RFC 8446 §5.1). */
    private static final int CONTENT_TYPE_ALERT = 21;
    /** The record version of a TLS 1.2 or 1.3 server's first record (RFC 8446 §5.1: legacy_record_version). */
    private static final int RECORD_VERSION = 0x0303;
    /** AlertLevel fatal (RFC 8446 §6). */
    private static final int LEVEL_FATAL = 2;

    private final int description;
    private final byte[] bytes;

    TlsAlert(int description) {
        this.description = description;
        this.bytes = new byte[] {CONTENT_TYPE_ALERT, (byte) (RECORD_VERSION >> 8), (byte) RECORD_VERSION, 0, 2,
                LEVEL_FATAL, (byte) description};
    }

    /** The AlertDescription code. */
    int description() {
        return description;
    }

    /** A new buffer over the constant bytes (unpooled wrapper, nothing to copy). */
    ByteBuf toBuffer() {
        return Unpooled.wrappedBuffer(bytes);
    }

    /** This alert, whatever the outcome: for a refusal that names its alert. */
    @Override
    public ByteBuf bytes(ProxyResponse outcome) {
        return toBuffer();
    }

    /**
     * The SNI frontend's answer to how the opening of a stream ended: nothing once the stream opened (the destination
     * speaks next); an alert if it did not.
     */
    static final FrontendAnswer.Wire SNI_WIRE = outcome -> switch (outcome) {
        case ESTABLISHED -> null;
        case FORBIDDEN -> ACCESS_DENIED.toBuffer();
        default -> INTERNAL_ERROR.toBuffer();
    };
}
