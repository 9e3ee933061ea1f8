package io.tunnel.bench;

import io.netty.channel.ChannelHandlerContext;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** {@code latency}: sequential keep-alive GETs in one tunnel; each round trip from the request to the last body byte. */
final class Latency {
    private Latency() {
    }

    static int run(Target target, Options opts, Output out) throws Exception {
        int count = opts.getInt("count", 10000);
        int warmup = opts.getInt("warmup", 1000);
        byte[] request = LoadGen.getRequest(opts.get("path", "/tiny"), target.destHost + ":" + target.destPort,
                false);
        RrConn conn = new RrConn(target, request, count + warmup, count + warmup);
        target.connect(conn, null);
        conn.opened.get(30, TimeUnit.SECONDS);
        long start = System.nanoTime();
        conn.finished.get(Math.max(60, count / 100), TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - start) / 1e9;
        long[] all = conn.channel.eventLoop().submit(() -> Arrays.copyOf(conn.rtts, conn.recorded)).get();
        conn.channel.close().sync();
        if (all.length < count + warmup) {
            out.log("only " + all.length + " of " + (count + warmup) + " requests completed");
        }
        long[] measured = all.length > warmup ? Arrays.copyOfRange(all, warmup, all.length) : new long[0];
        out.latencies("", measured);
        out.result("requests_per_second", all.length / seconds);
        out.result("bad_status", conn.badStatus);
        return measured.length == 0 ? 1 : 0;
    }

    /**
     * Sequential keep-alive GETs in one tunnel, up to {@code limit} or until {@link #stop}; records each round trip
     * (send to last body byte) while {@link #recording}. State confined to the channel's event loop but for the
     * volatile switches.
     */
    static final class RrConn extends HttpConn {
        private final int limit;
        final long[] rtts;
        int recorded;
        private int done;
        private long sentNanos;
        volatile boolean recording = true;
        volatile boolean stop;
        final CompletableFuture<Void> finished = new CompletableFuture<>();
        int badStatus;

        RrConn(Target target, byte[] request, int limit, int capacity) {
            super(target, request);
            this.limit = limit;
            this.rtts = new long[capacity];
        }

        @Override
        void send(ChannelHandlerContext ctx) {
            sentNanos = System.nanoTime();
            super.send(ctx);
        }

        @Override
        void onResponse(ChannelHandlerContext ctx) {
            long rtt = System.nanoTime() - sentNanos;
            if (reader.lastStatus() != 200) {
                badStatus++;
            }
            if (recording && recorded < rtts.length) {
                rtts[recorded++] = rtt;
            }
            done++;
            if (done >= limit || stop) {
                finished.complete(null);
            } else {
                send(ctx);
            }
        }

        @Override
        void onClosed() {
            finished.complete(null);
        }
    }
}
