package io.tunnel.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code hol}: head-of-line blocking. Phases (after an unreported warm-up): {@code baseline} — one tunnel downloads
 * a large file over and over while a second does sequential tiny GETs; {@code stall} — the same while a third asked
 * for the large file and never reads; {@code baseline2} — the first again. Each tunnel on an event loop of its own.
 */
final class HeadOfLine {
    /** Bound on the wait for the server to report a phase's streams closed. */
    private static final long DRAIN_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** How often the server's metrics are read while waiting for the drain. */
    private static final long DRAIN_POLL_MILLIS = 20;

    private HeadOfLine() {
    }

    static int run(Target target, Options opts, Output out) throws Exception {
        double seconds = opts.getDouble("seconds", 8);
        double settle = opts.getDouble("settle-seconds", 2);
        String metricsUrl = opts.get("metrics-url", "");
        String host = target.destHost + ":" + target.destPort;
        byte[] big = LoadGen.getRequest(opts.get("big", "/big"), host, false);
        byte[] tiny = LoadGen.getRequest(opts.get("tiny", "/tiny"), host, false);
        EventLoop[] loops = new EventLoop[3];
        for (int i = 0; i < 3; i++) {
            loops[i] = target.group.next();
        }
        // "warmup" is run first and not reported: the generator's own JIT must not colour the first baseline.
        for (String phase : opts.get("phases", "warmup,baseline,stall,baseline2").split(",")) {
            StallConn stall = null;
            if (phase.startsWith("stall")) {
                stall = new StallConn(target, big);
                target.connect(stall, loops[2]);
                stall.opened.get(30, TimeUnit.SECONDS);
                hold(settle, stall); // the settle window: the stalled stream fills its window
                out.result(phase + ".stall_bytes_read_by_client", stall.bytesRead.get());
            }
            BulkConn bulk = new BulkConn(target, big);
            Latency.RrConn rr = new Latency.RrConn(target, tiny, Integer.MAX_VALUE, 4_000_000);
            rr.recording = false;
            target.connect(bulk, loops[0]);
            target.connect(rr, loops[1]);
            bulk.opened.get(30, TimeUnit.SECONDS);
            rr.opened.get(30, TimeUnit.SECONDS);
            hold(1, bulk, rr); // the warm-up window: stream windows grow, the JIT settles
            long b0 = bulk.reader.bodyBytes.get();
            int r0 = rr.channel.eventLoop().submit(() -> {
                rr.recording = true;
                return rr.recorded;
            }).get();
            long t0 = System.nanoTime();
            hold(phase.equals("warmup") ? Math.min(seconds, 3) : seconds, bulk, rr); // the measuring window
            long b1 = bulk.reader.bodyBytes.get();
            long t1 = System.nanoTime();
            long[] rtts = rr.channel.eventLoop().submit(() -> {
                rr.recording = false;
                return Arrays.copyOfRange(rr.rtts, r0, rr.recorded);
            }).get();
            if (stall != null && !metricsUrl.isEmpty()) {
                out.result(phase + ".server_unwritten_bytes", scrape(metricsUrl, "tunnel_server_stream_unwritten_bytes"));
            }
            bulk.stop = true;
            rr.stop = true;
            boolean bulkAlive = bulk.channel.isActive();
            boolean rrAlive = rr.channel.isActive();
            bulk.channel.close().sync();
            rr.channel.close().sync();
            double dt = (t1 - t0) / 1e9;
            if (phase.equals("warmup")) {
                awaitStreamsDrained(metricsUrl, out);
                continue;
            }
            out.result(phase + ".bulk_bytes_per_second", (b1 - b0) / dt);
            out.result(phase + ".seconds", dt);
            out.result(phase + ".bulk_alive", bulkAlive);
            out.result(phase + ".rr_alive", rrAlive);
            out.latencies(phase + ".rr_", rtts);
            if (stall != null) {
                out.result(phase + ".stall_alive", stall.channel.isActive());
                out.result(phase + ".stall_bytes_read_by_client_end", stall.bytesRead.get());
                stall.channel.close().sync();
            }
            awaitStreamsDrained(metricsUrl, out);
        }
        return 0;
    }

    /**
     * A timed window of a phase: {@code seconds} long, or shorter if one of {@code conns} closes first (the phase is
     * broken then, which its {@code *_alive} results report; rates use the window actually measured).
     */
    private static void hold(double seconds, Conn... conns) throws InterruptedException {
        CountDownLatch closed = new CountDownLatch(1);
        for (Conn conn : conns) {
            conn.channel.closeFuture().addListener(f -> closed.countDown());
        }
        closed.await((long) (seconds * 1000), TimeUnit.MILLISECONDS);
    }

    /**
     * Between phases: waits (boundedly) until the server reports no open stream, so a phase never measures the
     * previous one's teardown. Without a metrics URL (tinyproxy, direct) the closed sockets are all there is to wait
     * for, and their close futures were already awaited.
     */
    private static void awaitStreamsDrained(String metricsUrl, Output out) throws InterruptedException {
        if (metricsUrl.isEmpty()) {
            return;
        }
        long deadline = System.nanoTime() + DRAIN_NANOS;
        while (System.nanoTime() < deadline) {
            String value = scrape(metricsUrl, "tunnel_server_open_streams");
            try {
                if (Double.parseDouble(value) <= 0) {
                    return;
                }
            } catch (NumberFormatException e) {
                out.log("cannot read tunnel_server_open_streams (" + value + "), not waiting for the drain");
                return;
            }
            Thread.sleep(DRAIN_POLL_MILLIS); // bounded poll of a condition another process owns
        }
        out.log("the server still had streams open 10 s after a phase ended");
    }

    /** The value of {@code metric} in a Prometheus text exposition at {@code url}; "absent" or "error" otherwise. */
    static String scrape(String url, String metric) {
        try {
            HttpClient client = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY)
                    .connectTimeout(Duration.ofSeconds(3)).build();
            String body = client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            return metricValue(body, metric);
        } catch (Exception e) {
            return "error";
        }
    }

    /** The value of {@code metric} (without labels, or its first labelled series) in an exposition text. */
    static String metricValue(String exposition, String metric) {
        for (String line : exposition.split("\n")) {
            if (line.startsWith(metric + " ") || line.startsWith(metric + "{")) {
                return line.substring(line.lastIndexOf(' ') + 1).trim();
            }
        }
        return "absent";
    }

    /** Repeated keep-alive GETs of a large file, read as fast as they come. */
    static final class BulkConn extends HttpConn {
        volatile boolean stop;

        BulkConn(Target target, byte[] request) {
            super(target, request);
        }

        @Override
        void onResponse(ChannelHandlerContext ctx) {
            if (!stop) {
                send(ctx);
            }
        }
    }

    /** Asks for a large file, then never reads again. */
    static final class StallConn extends Conn {
        private final byte[] request;
        final AtomicLong bytesRead = new AtomicLong();

        StallConn(Target target, byte[] request) {
            super(target);
            this.request = request;
        }

        @Override
        boolean reads() {
            return false;
        }

        @Override
        void onOpen(ChannelHandlerContext ctx) {
            ctx.writeAndFlush(Unpooled.wrappedBuffer(request));
        }

        @Override
        void onData(ChannelHandlerContext ctx, ByteBuf buf) {
            bytesRead.addAndGet(buf.readableBytes());
            buf.release();
        }
    }
}
