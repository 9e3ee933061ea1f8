package io.tunnel.server;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Failed proxy authentications per source, so that nobody can guess passwords at the speed of the network: each source
 * may fail {@code maxFailures} times in a row at once, then as many times per minute (a token bucket). While it has no
 * failure left it is <em>limited</em>: its CONNECTs are refused unchecked, correct credentials too, until the bucket
 * refills.
 *
 * <p>A source is the client's IPv4 address, or the /64 prefix of its IPv6 address (one host has a whole /64 to pick
 * from); every client of a Unix socket is one source. At most {@value #MAX_SOURCES} sources are remembered, the least
 * recently failed forgotten first. Thread-safe (the frontend's event loops and the password checks share it): one
 * lock, taken once per authentication.
 */
final class AuthFailureLimiter {
    /** The most sources remembered. */
    static final int MAX_SOURCES = 10_000;
    private static final long REFILL_PERIOD_NANOS = TimeUnit.MINUTES.toNanos(1);
    private static final Object LOCAL = "local";

    private final int maxFailures;
    private final LongSupplier nanoTime;
    private final Map<Object, Bucket> buckets = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Object, Bucket> eldest) {
            return size() > MAX_SOURCES;
        }
    };

    /** Failures left to a source, as of {@code atNanos}. */
    private static final class Bucket {
        double left;
        long atNanos;

        Bucket(double left, long atNanos) {
            this.left = left;
            this.atNanos = atNanos;
        }
    }

    /** @param maxFailures failures a source may make at once and per minute; 0: no limit */
    AuthFailureLimiter(int maxFailures, LongSupplier nanoTime) {
        this.maxFailures = maxFailures;
        this.nanoTime = nanoTime;
    }

    /** Whether {@code source} ({@link #sourceOf}) has no failure left. */
    synchronized boolean isLimited(Object source) {
        if (maxFailures == 0) {
            return false;
        }
        Bucket bucket = buckets.get(source);
        if (bucket == null) {
            return false;
        }
        refill(bucket);
        if (bucket.left >= maxFailures) {
            buckets.remove(source); // whole again: nothing to remember
            return false;
        }
        return bucket.left < 1;
    }

    /** Counts one failure of {@code source}. */
    synchronized void failed(Object source) {
        if (maxFailures == 0) {
            return;
        }
        Bucket bucket = buckets.get(source);
        if (bucket == null) {
            buckets.put(source, new Bucket(maxFailures - 1, nanoTime.getAsLong()));
            return;
        }
        refill(bucket);
        bucket.left = Math.max(0, bucket.left - 1);
    }

    private void refill(Bucket bucket) {
        long now = nanoTime.getAsLong();
        double earned = (double) (now - bucket.atNanos) * maxFailures / REFILL_PERIOD_NANOS;
        bucket.left = Math.min(maxFailures, bucket.left + earned);
        bucket.atNanos = now;
    }

    /** Sources remembered now. */
    synchronized int size() {
        return buckets.size();
    }

    /** The source a client address counts against: its IPv4 address, its IPv6 /64, or one for all local clients. */
    static Object sourceOf(SocketAddress address) {
        if (!(address instanceof InetSocketAddress inet) || inet.getAddress() == null) {
            return LOCAL;
        }
        InetAddress ip = inet.getAddress();
        if (ip instanceof Inet6Address) {
            byte[] prefix = ip.getAddress();
            for (int i = 8; i < prefix.length; i++) {
                prefix[i] = 0;
            }
            try {
                return InetAddress.getByAddress(prefix);
            } catch (UnknownHostException e) {
                throw new IllegalStateException("16 bytes are an IPv6 address", e);
            }
        }
        return ip;
    }
}
