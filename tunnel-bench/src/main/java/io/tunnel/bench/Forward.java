package io.tunnel.bench;

import io.netty.channel.ChannelHandlerContext;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * {@code forward}: absolute-form GETs ({@code GET http://dest/path}, what an {@code http_proxy} client sends) to a
 * forward proxy ({@code --via direct --target PROXY}) from {@code --concurrency} clients, each one request at a time
 * on a keep-alive connection; a client whose connection the proxy closes (tinyproxy closes after every response)
 * opens a new one. After {@code --warmup-seconds}, the responses of {@code --seconds} are counted.
 */
final class Forward {
    private final Target target;
    private final byte[] request;
    private final LongAdder responses = new LongAdder();
    private final LongAdder badStatus = new LongAdder();
    private final LongAdder connections = new LongAdder();
    private volatile boolean stop;

    private Forward(Target target, byte[] request) {
        this.target = target;
        this.request = request;
    }

    static int run(Target target, Options opts, Output out) throws Exception {
        int concurrency = opts.getInt("concurrency", 16);
        int seconds = opts.getInt("seconds", 10);
        int warmupSeconds = opts.getInt("warmup-seconds", 3);
        String url = opts.require("url");
        String authority = url.substring("http://".length()).replaceFirst("/.*", "");
        Forward run = new Forward(target, ("GET " + url + " HTTP/1.1\r\nHost: " + authority
                + "\r\nUser-Agent: bench-loadgen\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        for (int i = 0; i < concurrency; i++) {
            run.open();
        }
        TimeUnit.SECONDS.sleep(warmupSeconds);
        long before = run.responses.sum();
        long connectionsBefore = run.connections.sum();
        long start = System.nanoTime();
        TimeUnit.SECONDS.sleep(seconds);
        long after = run.responses.sum();
        double elapsed = (System.nanoTime() - start) / 1e9;
        long opened = run.connections.sum() - connectionsBefore;
        run.stop = true;
        out.result("requests_per_second", (after - before) / elapsed);
        out.result("requests", after - before);
        out.result("connections", opened);
        out.result("concurrency", concurrency);
        out.result("bad_status", run.badStatus.sum());
        return after > before && run.badStatus.sum() == 0 ? 0 : 1;
    }

    private void open() {
        if (!stop) {
            connections.increment();
            target.connect(new Client(), null);
        }
    }

    /** One client: the next request once the response came; a new connection once the proxy closed this one. */
    private final class Client extends HttpConn {
        Client() {
            super(Forward.this.target, request);
        }

        @Override
        void onResponse(ChannelHandlerContext ctx) {
            responses.increment();
            if (reader.lastStatus() != 200) {
                badStatus.increment();
            }
            if (stop) {
                ctx.close();
            } else {
                send(ctx);
            }
        }

        @Override
        void onClosed() {
            open();
        }
    }
}
