package io.tunnel.bench;

import io.netty.channel.ChannelHandlerContext;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code rate}: new tunnels per second. Each connection: TCP (+ TLS) + CONNECT, one tiny GET with
 * {@code Connection: close}, read to the end of the stream; {@code --concurrency} of them in flight. Warm-up rounds
 * first, until the rate settles.
 */
final class Rate {
    /** A warm-up round that is less than this much faster than the best before it ends the warm-up. */
    private static final double SETTLED = 1.05;

    private Rate() {
    }

    static int run(Target target, Options opts, Output out) throws InterruptedException {
        int count = opts.getInt("count", 20000);
        int concurrency = opts.getInt("concurrency", 64);
        int warmup = opts.getInt("warmup", 1000);
        double maxSeconds = opts.getDouble("max-seconds", 30);
        byte[] request = LoadGen.getRequest(opts.get("path", "/tiny"), target.destHost + ":" + target.destPort, true);
        // Warm-up rounds until the rate settles (< 5 % better than the round before): a JVM on a busy machine keeps
        // compiling the handshake path for tens of thousands of tunnels.
        int maxRounds = opts.getInt("warmup-rounds", 1);
        double previous = 0;
        int rounds = 0;
        for (int round = 1; warmup > 0 && round <= maxRounds; round++) {
            Run w = new Run(target, request, warmup, concurrency, (long) (maxSeconds * 1e9), out);
            long ns = w.run(concurrency);
            double perSecond = w.ok.get() / (ns / 1e9);
            rounds = round;
            out.log(String.format(Locale.ROOT, "warm-up round %d: %d ok, %d failed, %.0f/s", round, w.ok.get(),
                    w.failed.get(), perSecond));
            if (round >= 2 && perSecond < previous * SETTLED) {
                break;
            }
            previous = Math.max(previous, perSecond);
        }
        out.result("warmup_rounds", rounds);
        CpuWatch watch = new CpuWatch(opts.get("watch", ""), opts.getDouble("clk-tck", 100), out);
        Run r = new Run(target, request, count, concurrency, (long) (maxSeconds * 1e9), out);
        long cpu0 = LoadGen.processCpuNanos();
        long alloc0 = LoadGen.allocatedBytes();
        Map<String, long[]> watch0 = watch.snapshot();
        long ns = r.run(concurrency);
        long cpu = LoadGen.processCpuNanos() - cpu0;
        long alloc = LoadGen.allocatedBytes() - alloc0;
        watch.results(watch0, watch.snapshot());
        double seconds = ns / 1e9;
        int okCount = r.ok.get();
        long[] lat = new long[okCount];
        int j = 0;
        for (long l : r.latencies) {
            if (l > 0 && j < okCount) {
                lat[j++] = l;
            }
        }
        out.result("ok", okCount);
        out.result("failed", r.failed.get());
        out.result("seconds", seconds);
        out.result("concurrency", concurrency);
        out.result("per_second", okCount / seconds);
        out.result("tls_sessions_reused", r.reused.get());
        if (!r.keyExchangeGroups.isEmpty()) {
            out.result("tls_groups", String.join(",", new TreeSet<>(r.keyExchangeGroups)));
        }
        out.result("loadgen_cpu_s", cpu / 1e9);
        out.result("loadgen_alloc_bytes", alloc);
        out.latencies("conn_", Arrays.copyOf(lat, j));
        for (String e : r.errors) {
            out.log("error: " + e);
        }
        return okCount == 0 ? 1 : 0;
    }

    /** CONNECT (or TCP connect), one tiny GET with Connection: close, read to end of stream. */
    static final class OneShotConn extends HttpConn {
        boolean complete;

        OneShotConn(Target target, byte[] request) {
            super(target, request);
        }

        @Override
        void onResponse(ChannelHandlerContext ctx) {
            complete = reader.lastStatus() == 200;
        }
    }

    /** One round: {@code total} connections, {@code concurrency} slots each starting the next when one ends. */
    static final class Run {
        private final Target target;
        private final byte[] request;
        private final int total;
        private final long deadline;
        private final Output out;
        private final AtomicInteger launched = new AtomicInteger();
        final AtomicInteger ok = new AtomicInteger();
        final AtomicInteger failed = new AtomicInteger();
        final AtomicInteger reused = new AtomicInteger();
        /** The TLS key exchange groups the tunnels' handshakes agreed on. */
        final Set<String> keyExchangeGroups = ConcurrentHashMap.newKeySet();
        /** Connection times by launch index; 0 for a connection that failed. */
        final long[] latencies;
        private final CountDownLatch slotsDone;
        final ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        private volatile long lastDone;

        Run(Target target, byte[] request, int total, int concurrency, long maxNanos, Output out) {
            this.target = target;
            this.request = request;
            this.total = total;
            this.deadline = System.nanoTime() + maxNanos;
            this.out = out;
            this.latencies = new long[total];
            this.slotsDone = new CountDownLatch(concurrency);
        }

        private void slot() {
            int i = launched.getAndIncrement();
            if (i >= total || System.nanoTime() > deadline) {
                slotsDone.countDown();
                return;
            }
            OneShotConn conn = new OneShotConn(target, request);
            conn.closed.whenComplete((c, t) -> {
                long now = System.nanoTime();
                if (conn.complete) {
                    ok.incrementAndGet();
                    latencies[i] = now - conn.startNanos;
                    if (conn.resumed) {
                        reused.incrementAndGet();
                    }
                    if (conn.keyExchangeGroup != null) {
                        keyExchangeGroups.add(conn.keyExchangeGroup);
                    }
                } else {
                    failed.incrementAndGet();
                    if (errors.size() < 5) {
                        errors.add(String.valueOf(conn.failure != null ? conn.failure : "incomplete response"));
                    }
                }
                lastDone = now;
                slot();
            });
            target.connect(conn, null);
        }

        /** Runs the round; returns its length in nanoseconds, to the end of the last connection. */
        long run(int concurrency) throws InterruptedException {
            long start = System.nanoTime();
            for (int c = 0; c < concurrency; c++) {
                slot();
            }
            if (!slotsDone.await(Math.max(1, (deadline - System.nanoTime()) / 1_000_000 + 30_000),
                    TimeUnit.MILLISECONDS)) {
                out.log("rate run did not finish in time");
            }
            return Math.max(1, lastDone - start);
        }
    }
}
