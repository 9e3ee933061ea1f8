package io.tunnel.core.link;

/**
 * Rates of frames a link accepts from its peer ({@code docs/protocol.md} §6.9), against the floods of the HTTP/2
 * advisories: each a token bucket of {@code burst} tokens refilled at {@code perSecond}, one token per frame. A peer
 * that exceeds one gets GOAWAY({@code ENHANCE_YOUR_CALM}) and loses the link. The limits are far above what a
 * correct peer sends, even under load, and far below what a flood sends (millions of frames a second).
 */
public enum FloodLimit {
    /**
     * PING: each one makes this side write a PONG (CVE-2019-9512, ping flood). A correct peer sends one per keepalive
     * interval of its own and at most one round-trip probe per second; a peer whose keepalive interval is below a
     * second gets twice its keepalive rate on top ({@link #pingsPerSecond}).
     */
    PING(100, 10),
    /**
     * WINDOW_UPDATE, for any stream. A correct peer returns credit in updates of at least half its window (8 KiB or
     * more) for DATA this side sent, so besides the base rate every DATA frame sent earns two tokens.
     */
    WINDOW_UPDATE(20_000, 2_000),
    /**
     * CLOSE, RESET and DIAL_RESULT for a stream that already ended, which change nothing (CVE-2019-9514, reset flood;
     * CVE-2019-9518, empty frames: CLOSE is an empty frame). A correct peer sends at most one or two per stream, when
     * they cross a RESET of this side.
     */
    STRAY_FRAME(20_000, 2_000),
    /** DIAL, on the agent: each one costs a DNS lookup and a connection to the private network. */
    DIAL(20_000, 10_000),
    /**
     * RESET of a stream whose dial has not completed, on either side (CVE-2023-44487, rapid reset: on the agent, a
     * DIAL reset at once costs a dial that nobody waits for, and MAX_STREAMS never stops it). A correct server resets
     * dials only when its clients go away or its own dial timer fires.
     */
    DIAL_CANCEL(2_000, 200);

    private final int burst;
    private final int perSecond;

    FloodLimit(int burst, int perSecond) {
        this.burst = burst;
        this.perSecond = perSecond;
    }

    /** Frames accepted at once, after a quiet time. */
    public int burst() {
        return burst;
    }

    /** Frames accepted per second, sustained. */
    public int perSecond() {
        return perSecond;
    }

    /** The sustained PING rate allowed to a peer that announced {@code keepaliveMillis}. */
    static double pingsPerSecond(int keepaliveMillis) {
        return PING.perSecond + (keepaliveMillis < 1_000 ? 2_000.0 / keepaliveMillis : 0);
    }
}
