package io.tunnel.core.link;

import io.tunnel.core.protocol.ProtocolConstants;

/** Tuning constants of the link and its streams. */
public final class LinkConstants {
    /** The largest plaintext one TLS record carries (RFC 8446, 5.1). */
    static final int TLS_RECORD_PLAINTEXT = 16 * 1024;
    /**
     * DATA payload size used when sending: a whole frame fills exactly one TLS record, so bulk streams interleave
     * fairly, and the receiver's decoder gets whole frames from each record and slices them without copying.
     */
    public static final int DATA_CHUNK_SIZE = TLS_RECORD_PLAINTEXT - ProtocolConstants.FRAME_HEADER_LENGTH;
    /** The largest a stream's receive window grows for bulk transfers. */
    public static final int MAX_STREAM_WINDOW = 8 * 1024 * 1024;
    /**
     * How far the windows of one link's streams may grow, together, beyond their initial windows. A link buffers at
     * most streams × initial window plus this, however many streams were fast before their readers stalled.
     */
    public static final long LINK_WINDOW_GROWTH_BUDGET = 64L * 1024 * 1024;
    /**
     * Before the link's first round-trip sample, a window that is consumed again within this time of the previous
     * update is doubled (up to the cap); after it, within twice the round trip ({@link LinkRtt}).
     */
    public static final long WINDOW_GROWTH_NANOS = 50_000_000L;
    /**
     * Write buffer water marks of the link channel: above the high mark, stream sockets stop being read. Small, with
     * {@link #LINK_UNSENT_LIMIT}, so a frame queued behind a bulk stream waits for at most about 640 KiB of it on the
     * sending side (the benchmark's request/response p50 under bulk load fell from ~9 ms to ~3.5 ms against
     * 512 KiB / 2 MiB, at the same bulk throughput).
     */
    public static final int LINK_LOW_WATER_MARK = 128 * 1024;
    public static final int LINK_HIGH_WATER_MARK = 512 * 1024;
    /**
     * Bytes waiting to be sent to the peer (TLS handler included) above which the link is no longer read, until they
     * drain below {@link #LINK_LOW_WATER_MARK}. DATA stops at the high water mark on its own, so only a peer that
     * sends frames with answers (PING, ...) and does not read them gets here: it then costs this much memory and no
     * more. Far above the high mark, so two correct peers, both busy writing DATA, never both stop reading.
     */
    public static final long LINK_READ_PAUSE_BYTES = 4L * 1024 * 1024;
    /**
     * How long a link closed for an error may take to send its GOAWAY; then it is aborted. A peer that does not read
     * would otherwise keep it open, the GOAWAY queued behind what it never read.
     */
    public static final long GOAWAY_TIMEOUT_MILLIS = 2_000;
    /** Unsent bytes the kernel may hold for a link socket (TCP_NOTSENT_LOWAT, epoll); in-flight bytes not limited. */
    public static final long LINK_UNSENT_LIMIT = 128 * 1024;
    /**
     * Reads of a link or stream socket per event-loop turn (Netty's default is 16). Everything a turn reads is
     * relayed before the turn's flush, so a small answer read in the same turn as a bulk stream's megabyte waits for
     * all of it: with 4, the benchmark's request/response beside a bulk stream ran about twice as often (p50
     * 3.6 → 2.0 ms through mTLS) at the same bulk throughput; with 2, bulk throughput fell.
     */
    public static final int LINK_READS_PER_BURST = 4;
    public static final int STREAM_READS_PER_BURST = 4;
    /**
     * How often a stream whose socket input ended, while its output is still open, checks whether the socket was reset
     * ({@link io.tunnel.core.transport.Transports#isTcpClosed}): epoll reports nothing more on such a socket, and the
     * other side may stay silent for long.
     */
    public static final long HALF_CLOSED_PROBE_MILLIS = 2_000;
    /** How long a handshake (TLS plus HELLO exchange) may take. */
    public static final long HANDSHAKE_TIMEOUT_MILLIS = 10_000;

    private LinkConstants() {
    }
}
