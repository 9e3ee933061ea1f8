package io.tunnel.bench;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Load generator of scripts/bench: opens tunnels through an HTTP CONNECT proxy (plaintext or mTLS) with the client
 * library, or connects directly, then drives small HTTP/1.1 exchanges or bulk downloads against the bench's nginx.
 * Runs on Netty's epoll transport and netty-tcnative (BoringSSL), so the client side costs about what a native
 * client costs. Only ever meant for loopback targets.
 *
 * <pre>
 * java -jar tunnel-bench.jar loadgen MODE --tag KEY --via direct|plain|tls --proxy HOST:PORT --target HOST:PORT
 *      [--pin F | --ca F] [--cert F --key F] [--groups G,...] [--threads N] [mode options]
 *   rate     --path /tiny --count N --concurrency C --warmup N --warmup-rounds N --max-seconds S [--resume]
 *            [--watch name=pid,... --clk-tck T]
 *   latency  --path /tiny --count N --warmup N
 *   idle     --counts 1000,10000 --concurrency C --control-dir DIR --max-hold-seconds S
 *   hol      --big /big --tiny /tiny --seconds S --settle-seconds S [--metrics-url URL] [--phases a,b,...]
 *   forward  --url http://HOST:PORT/path --concurrency C --seconds S --warmup-seconds S (--via direct, --target the
 *            forward proxy: absolute-form GETs)
 * </pre>
 * Results are printed as {@code RESULT <tag>.<key>TAB<value>} lines on stdout; progress goes to stderr.
 */
final class LoadGen {
    private static final Logger LOG = LogManager.getLogger(LoadGen.class);
    private static final long SHUTDOWN_SECONDS = 5;

    private LoadGen() {
    }

    /** Runs one mode; returns the process's exit code. */
    static int run(String... args) throws InterruptedException {
        Options opts;
        try {
            opts = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("loadgen: " + e.getMessage());
            return 2;
        }
        return run(opts, new Output(opts.get("tag", opts.mode()), System.out, System.err));
    }

    /** Runs the mode of {@code opts} on event loops of its own; returns the exit code. */
    static int run(Options opts, Output out) throws InterruptedException {
        int threads = opts.getInt("threads", opts.mode().equals("hol") ? 3 : 1);
        IoHandlerFactory io = Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("loadgen", true), io);
        try {
            Target target = new Target(opts, group, out);
            return switch (opts.mode()) {
                case "rate" -> Rate.run(target, opts, out);
                case "latency" -> Latency.run(target, opts, out);
                case "idle" -> Idle.run(target, opts, out);
                case "hol" -> HeadOfLine.run(target, opts, out);
                case "forward" -> Forward.run(target, opts, out);
                default -> throw new IllegalArgumentException("unknown mode " + opts.mode());
            };
        } catch (Exception e) {
            LOG.error("loadgen {} failed", out.tag(), e);
            return 1;
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(SHUTDOWN_SECONDS, TimeUnit.SECONDS);
        }
    }

    /** {@code GET path} with Host and the generator's User-Agent, keep-alive unless {@code close}. */
    static byte[] getRequest(String path, String host, boolean close) {
        return ("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: bench-loadgen\r\n"
                + (close ? "Connection: close\r\n" : "") + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Bytes allocated so far by this process's live threads (the event loops do the generator's work and live as
     * long as it), 0 where the JVM cannot tell.
     */
    static long allocatedBytes() {
        if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean threads
                && threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled()) {
            long sum = 0;
            for (long bytes : threads.getThreadAllocatedBytes(threads.getAllThreadIds())) {
                sum += Math.max(0, bytes);
            }
            return sum;
        }
        return 0;
    }

    /** CPU time of this process so far (all threads), 0 where the JVM cannot tell. */
    static long processCpuNanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : 0;
    }
}
