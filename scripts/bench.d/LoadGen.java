import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslSessionContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.File;
import java.io.IOException;
import java.lang.reflect.Method;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Load generator of scripts/bench: opens tunnels through an HTTP CONNECT proxy (plaintext or mTLS) or connects
 * directly, then drives small HTTP/1.1 exchanges or bulk downloads against the bench's nginx. Built on the Netty
 * and netty-tcnative (BoringSSL) classes that the tunnel's fat jar already carries, so the client side costs
 * about what a native client costs. Only ever meant for loopback targets.
 *
 * <pre>
 * java -cp tunnel-server.jar:CLASSES LoadGen MODE --tag KEY --via direct|plain|tls --proxy HOST:PORT
 *      --target HOST:PORT [--ca F --cert F --key F] [--threads N] [mode options]
 *   rate     --path /tiny --count N --concurrency C --warmup N --max-seconds S [--resume]
 *   latency  --path /tiny --count N --warmup N
 *   idle     --counts 1000,10000 --concurrency C --control-dir DIR --max-hold-seconds S
 *   hol      --big /big --tiny /tiny --seconds S --settle-seconds S [--metrics-url URL]
 * </pre>
 * Results are printed as {@code RESULT <tag>.<key>\t<value>} lines on stdout; progress goes to stderr.
 */
public final class LoadGen {
    private static final Map<String, String> OPTS = new HashMap<>();
    private static String tag = "run";

    enum Via { DIRECT, PLAIN, TLS }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: LoadGen rate|latency|idle|hol --option value ...");
            System.exit(2);
        }
        String mode = args[0];
        for (int i = 1; i < args.length; i++) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument " + args[i]);
            }
            String key = args[i].substring(2);
            if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                OPTS.put(key, args[++i]);
            } else {
                OPTS.put(key, "true");
            }
        }
        tag = opt("tag", mode);
        int threads = Integer.parseInt(opt("threads", mode.equals("hol") ? "3" : "1"));
        IoHandlerFactory factory = Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("loadgen", true),
                factory);
        int code = 0;
        try {
            Target target = new Target(group);
            switch (mode) {
                case "rate" -> code = rate(target);
                case "latency" -> code = latency(target);
                case "idle" -> code = idle(target);
                case "hol" -> code = hol(target);
                default -> throw new IllegalArgumentException("unknown mode " + mode);
            }
        } catch (Throwable t) {
            System.err.println("loadgen " + tag + ": " + t);
            t.printStackTrace();
            code = 1;
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
        System.out.flush();
        System.exit(code);
    }

    static String opt(String key, String def) {
        return OPTS.getOrDefault(key, def);
    }

    static String opt(String key) {
        String v = OPTS.get(key);
        if (v == null) {
            throw new IllegalArgumentException("missing --" + key);
        }
        return v;
    }

    static void result(String key, Object value) {
        String text = value instanceof Double d ? String.format(Locale.ROOT, "%.3f", d) : String.valueOf(value);
        System.out.println("RESULT " + tag + "." + key + "\t" + text);
        System.out.flush();
    }

    static void log(String msg) {
        System.err.println("[loadgen " + tag + "] " + msg);
    }

    // ---- where connections go ----------------------------------------------------------------------------------

    /** How to reach the destination: directly, or by CONNECT through a plaintext or mTLS proxy. */
    static final class Target {
        final EventLoopGroup group;
        final Via via;
        final String proxyHost;
        final int proxyPort;
        final String destHost;
        final int destPort;
        final SslContext ssl;
        final Class<? extends Channel> channelClass;
        static Method reusedMethod;

        Target(EventLoopGroup group) throws IOException {
            this.group = group;
            this.via = Via.valueOf(opt("via").toUpperCase(Locale.ROOT));
            String[] dest = opt("target").split(":");
            destHost = dest[0];
            destPort = Integer.parseInt(dest[1]);
            if (via == Via.DIRECT) {
                proxyHost = null;
                proxyPort = 0;
            } else {
                String[] proxy = opt("proxy").split(":");
                proxyHost = proxy[0];
                proxyPort = Integer.parseInt(proxy[1]);
            }
            if (via == Via.TLS) {
                SslProvider provider = OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
                SslContextBuilder builder = SslContextBuilder.forClient()
                        .sslProvider(provider)
                        .keyManager(new File(opt("cert")), new File(opt("key")));
                String pin = opt("pin", "");
                if (pin.isEmpty()) {
                    builder.trustManager(new File(opt("ca"))).endpointIdentificationAlgorithm("HTTPS");
                } else {
                    // The proxy must present exactly this certificate: a byte comparison instead of PKIX path
                    // validation in Java, so the generator's own handshake stays cheap and the CPU goes to the proxy.
                    builder.trustManager(new PinnedTrustManager(Files.readAllBytes(Path.of(pin))));
                }
                ssl = builder.build();
                // Full handshakes unless --resume: each new tunnel pays the whole mTLS cost, as a new client does.
                boolean resume = Boolean.parseBoolean(opt("resume", "false"));
                if (ssl.sessionContext() instanceof OpenSslSessionContext osc) {
                    osc.setSessionCacheEnabled(resume);
                }
                log("TLS provider " + provider + (provider == SslProvider.OPENSSL ? " (" + OpenSsl.versionString()
                        + ")" : "") + ", session resumption " + (resume ? "on" : "off"));
            } else {
                ssl = null;
            }
            channelClass = Epoll.isAvailable() ? EpollSocketChannel.class : NioSocketChannel.class;
        }

        String connectHost() {
            return via == Via.DIRECT ? destHost : proxyHost;
        }

        int connectPort() {
            return via == Via.DIRECT ? destPort : proxyPort;
        }

        /** Connects {@code conn} on {@code loop} (or the group's next loop when null). */
        ChannelFuture connect(Conn conn, EventLoop loop) {
            conn.startNanos = System.nanoTime();
            Bootstrap b = new Bootstrap()
                    .group(loop != null ? loop : group.next())
                    .channel(channelClass)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 15_000)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            if (ssl != null) {
                                ch.pipeline().addLast("ssl", ssl.newHandler(ch.alloc(), proxyHost, proxyPort));
                            }
                            ch.pipeline().addLast("conn", conn);
                        }
                    });
            ChannelFuture f = b.connect(connectHost(), connectPort());
            f.addListener(r -> {
                if (!r.isSuccess()) {
                    conn.fail(r.cause());
                }
            });
            return f;
        }

        static boolean sessionReused(Channel ch) {
            SslHandler h = ch.pipeline().get(SslHandler.class);
            if (h == null) {
                return false;
            }
            try {
                if (reusedMethod == null) {
                    for (Class<?> c = h.engine().getClass(); c != null && reusedMethod == null; c = c.getSuperclass()) {
                        try {
                            reusedMethod = c.getDeclaredMethod("isSessionReused");
                            reusedMethod.setAccessible(true);
                        } catch (NoSuchMethodException e) {
                            // look further up
                        }
                    }
                    if (reusedMethod == null) {
                        return false;
                    }
                }
                return (Boolean) reusedMethod.invoke(h.engine());
            } catch (ReflectiveOperationException | RuntimeException e) {
                return false;
            }
        }
    }

    /** Trusts exactly one server certificate (PEM file contents), compared by its DER bytes. */
    static final class PinnedTrustManager implements javax.net.ssl.X509TrustManager {
        private final byte[] expected;

        PinnedTrustManager(byte[] pem) throws IOException {
            try {
                java.security.cert.CertificateFactory cf = java.security.cert.CertificateFactory.getInstance("X.509");
                expected = cf.generateCertificate(new java.io.ByteArrayInputStream(pem)).getEncoded();
            } catch (java.security.cert.CertificateException e) {
                throw new IOException(e);
            }
        }

        @Override
        public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType)
                throws java.security.cert.CertificateException {
            if (chain == null || chain.length == 0 || !Arrays.equals(chain[0].getEncoded(), expected)) {
                throw new java.security.cert.CertificateException("not the pinned proxy certificate");
            }
        }

        @Override
        public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType)
                throws java.security.cert.CertificateException {
            throw new java.security.cert.CertificateException("client side only");
        }

        @Override
        public java.security.cert.X509Certificate[] getAcceptedIssuers() {
            return new java.security.cert.X509Certificate[0];
        }
    }

    static byte[] getRequest(String path, String host, boolean close) {
        return ("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: bench-loadgen\r\n"
                + (close ? "Connection: close\r\n" : "") + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    // ---- one connection --------------------------------------------------------------------------------------

    /**
     * One client connection: TCP (+ TLS to the proxy) + CONNECT, then the subclass's exchange. {@link #opened}
     * completes once the tunnel carries bytes, {@link #closed} when the channel is gone.
     */
    abstract static class Conn extends ChannelInboundHandlerAdapter {
        final Target target;
        final CompletableFuture<Conn> opened = new CompletableFuture<>();
        final CompletableFuture<Conn> closed = new CompletableFuture<>();
        Channel channel;
        long startNanos;
        long openNanos;
        boolean open;
        boolean resumed;
        Throwable failure;
        private ByteBuf head;

        Conn(Target target) {
            this.target = target;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            channel = ctx.channel();
            if (target.ssl == null) {
                transportReady(ctx);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent e) {
                if (e.isSuccess()) {
                    resumed = Target.sessionReused(ctx.channel());
                    transportReady(ctx);
                } else {
                    fail(e.cause());
                }
            }
            ctx.fireUserEventTriggered(evt);
        }

        private void transportReady(ChannelHandlerContext ctx) {
            if (target.via == Via.DIRECT) {
                becomeOpen(ctx, null);
            } else {
                String authority = target.destHost + ":" + target.destPort;
                ctx.writeAndFlush(Unpooled.wrappedBuffer(("CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority
                        + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII)));
                head = ctx.alloc().heapBuffer(256);
            }
        }

        private void becomeOpen(ChannelHandlerContext ctx, ByteBuf leftover) {
            open = true;
            openNanos = System.nanoTime();
            opened.complete(this);
            onOpen(ctx);
            if (leftover != null) {
                if (leftover.isReadable()) {
                    onData(ctx, leftover);
                } else {
                    leftover.release();
                }
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            if (open) {
                onData(ctx, buf);
                return;
            }
            if (head == null) {
                buf.release();
                return;
            }
            try {
                head.writeBytes(buf);
            } finally {
                buf.release();
            }
            int end = ByteBufUtil.indexOf(Unpooled.wrappedBuffer(new byte[] {'\r', '\n', '\r', '\n'}), head);
            if (end < 0) {
                if (head.readableBytes() > 8192) {
                    fail(new IOException("proxy answer head too long"));
                }
                return;
            }
            String status = head.toString(head.readerIndex(), Math.max(0, head.indexOf(head.readerIndex(),
                    head.writerIndex(), (byte) '\r') - head.readerIndex()), StandardCharsets.US_ASCII);
            head.readerIndex(end + 4);
            ByteBuf leftover = head;
            head = null;
            String[] parts = status.split(" ");
            if (parts.length < 2 || !parts[1].equals("200")) {
                leftover.release();
                fail(new IOException("proxy answered: " + status));
                return;
            }
            becomeOpen(ctx, leftover);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (head != null) {
                head.release();
                head = null;
            }
            if (!opened.isDone()) {
                opened.completeExceptionally(failure != null ? failure : new IOException("closed before open"));
            }
            onClosed();
            closed.complete(this);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail(cause);
        }

        void fail(Throwable cause) {
            if (failure == null) {
                failure = cause;
            }
            if (!opened.isDone()) {
                opened.completeExceptionally(cause);
            }
            if (channel != null) {
                channel.close();
            } else {
                onClosed();
                closed.complete(this);
            }
        }

        void onOpen(ChannelHandlerContext ctx) {
        }

        /** Bytes inside the tunnel; must release {@code buf}. */
        void onData(ChannelHandlerContext ctx, ByteBuf buf) {
            buf.release();
        }

        void onClosed() {
        }
    }

    /** Incremental HTTP/1.1 response reader: Content-Length bodies only (all the bench's nginx sends). */
    static final class HttpReader {
        private final StringBuilder head = new StringBuilder();
        private boolean inBody;
        private long remaining;
        int lastStatus;
        final AtomicLong bodyBytes = new AtomicLong();

        /** Consumes and releases {@code buf}; runs {@code onResponse} after each complete response. */
        void feed(ByteBuf buf, Runnable onResponse) {
            try {
                while (buf.isReadable()) {
                    if (inBody) {
                        int n = (int) Math.min(remaining, buf.readableBytes());
                        buf.skipBytes(n);
                        remaining -= n;
                        bodyBytes.lazySet(bodyBytes.get() + n);
                        if (remaining == 0) {
                            inBody = false;
                            onResponse.run();
                        }
                        continue;
                    }
                    while (buf.isReadable()) {
                        head.append((char) (buf.readByte() & 0xff));
                        int len = head.length();
                        if (len >= 4 && head.charAt(len - 1) == '\n' && head.charAt(len - 2) == '\r'
                                && head.charAt(len - 3) == '\n' && head.charAt(len - 4) == '\r') {
                            long contentLength = parseHead();
                            head.setLength(0);
                            if (contentLength <= 0) {
                                onResponse.run();
                            } else {
                                inBody = true;
                                remaining = contentLength;
                            }
                            break;
                        }
                        if (len > 16384) {
                            throw new IllegalStateException("response head too long");
                        }
                    }
                }
            } finally {
                buf.release();
            }
        }

        private long parseHead() {
            String[] lines = head.toString().split("\r\n");
            String[] status = lines[0].split(" ");
            lastStatus = status.length > 1 ? Integer.parseInt(status[1]) : 0;
            for (String line : lines) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("content-length")) {
                    return Long.parseLong(line.substring(colon + 1).trim());
                }
            }
            return 0;
        }
    }

    // ---- statistics ------------------------------------------------------------------------------------------

    /**
     * CPU ticks (utime + stime, stime) of the processes named by {@code --watch name=pid,...} and the machine's busy
     * and total ticks, read from /proc, so that CPU per tunnel covers the measured run only.
     */
    static Map<String, long[]> watchSnapshot() {
        Map<String, long[]> snap = new java.util.LinkedHashMap<>();
        String watch = opt("watch", "");
        for (String item : watch.isEmpty() ? new String[0] : watch.split(",")) {
            String[] kv = item.split("=");
            try {
                String stat = Files.readString(Path.of("/proc", kv[1], "stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                long utime = Long.parseLong(f[11]);
                long stime = Long.parseLong(f[12]);
                snap.put(kv[0], new long[] {utime + stime, stime});
            } catch (IOException | RuntimeException e) {
                log("cannot read /proc/" + kv[kv.length - 1] + "/stat: " + e);
            }
        }
        try {
            String[] cpu = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long busy = 0;
            long total = 0;
            for (int i = 1; i <= 8 && i < cpu.length; i++) {
                long v = Long.parseLong(cpu[i]);
                total += v;
                if (i != 4 && i != 5) { // idle, iowait
                    busy += v;
                }
            }
            snap.put("_machine", new long[] {busy, total});
        } catch (IOException | RuntimeException e) {
            log("cannot read /proc/stat: " + e);
        }
        return snap;
    }

    static void watchResults(Map<String, long[]> before, Map<String, long[]> after) {
        double tck = Double.parseDouble(opt("clk-tck", "100"));
        for (Map.Entry<String, long[]> e : after.entrySet()) {
            long[] b = before.get(e.getKey());
            if (b == null) {
                continue;
            }
            if (e.getKey().equals("_machine")) {
                long total = e.getValue()[1] - b[1];
                result("machine_busy_pct", total == 0 ? 0.0 : 100.0 * (e.getValue()[0] - b[0]) / total);
            } else {
                result("cpu_s." + e.getKey(), (e.getValue()[0] - b[0]) / tck);
                result("sys_s." + e.getKey(), (e.getValue()[1] - b[1]) / tck);
            }
        }
    }

    static long processCpuNanos() {
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : 0;
    }

    static long percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return 0;
        }
        int idx = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, idx))];
    }

    static void latencyResults(String prefix, long[] nanos) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        double mean = s.length == 0 ? 0 : Arrays.stream(s).average().orElse(0);
        result(prefix + "count", s.length);
        result(prefix + "p50_us", percentile(s, 0.50) / 1000.0);
        result(prefix + "p90_us", percentile(s, 0.90) / 1000.0);
        result(prefix + "p99_us", percentile(s, 0.99) / 1000.0);
        result(prefix + "p999_us", percentile(s, 0.999) / 1000.0);
        result(prefix + "max_us", (s.length == 0 ? 0 : s[s.length - 1]) / 1000.0);
        result(prefix + "mean_us", mean / 1000.0);
    }

    // ---- rate: one tunnel per request ------------------------------------------------------------------------

    /** CONNECT (or TCP connect), one tiny GET with Connection: close, read to end of stream. */
    static final class OneShotConn extends Conn {
        final byte[] request;
        final HttpReader reader = new HttpReader();
        boolean complete;

        OneShotConn(Target target, byte[] request) {
            super(target);
            this.request = request;
        }

        @Override
        void onOpen(ChannelHandlerContext ctx) {
            ctx.writeAndFlush(Unpooled.wrappedBuffer(request));
        }

        @Override
        void onData(ChannelHandlerContext ctx, ByteBuf buf) {
            reader.feed(buf, () -> complete = reader.lastStatus == 200);
        }
    }

    static final class RateRun {
        final Target target;
        final byte[] request;
        final int total;
        final long deadline;
        final AtomicInteger launched = new AtomicInteger();
        final AtomicInteger ok = new AtomicInteger();
        final AtomicInteger failed = new AtomicInteger();
        final AtomicInteger reused = new AtomicInteger();
        final long[] latencies;
        final CountDownLatch slotsDone;
        final ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        volatile long lastDone;

        RateRun(Target target, byte[] request, int total, int concurrency, long maxNanos) {
            this.target = target;
            this.request = request;
            this.total = total;
            this.deadline = System.nanoTime() + maxNanos;
            this.latencies = new long[total];
            this.slotsDone = new CountDownLatch(concurrency);
        }

        void slot() {
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

        long run(int concurrency) throws InterruptedException {
            long start = System.nanoTime();
            for (int c = 0; c < concurrency; c++) {
                slot();
            }
            if (!slotsDone.await(Math.max(1, (deadline - System.nanoTime()) / 1_000_000 + 30_000),
                    TimeUnit.MILLISECONDS)) {
                log("rate run did not finish in time");
            }
            return Math.max(1, lastDone - start);
        }
    }

    static int rate(Target target) throws InterruptedException {
        String path = opt("path", "/tiny");
        int count = Integer.parseInt(opt("count", "20000"));
        int concurrency = Integer.parseInt(opt("concurrency", "64"));
        int warmup = Integer.parseInt(opt("warmup", "1000"));
        double maxSeconds = Double.parseDouble(opt("max-seconds", "30"));
        byte[] request = getRequest(path, target.destHost + ":" + target.destPort, true);
        // Warm-up rounds until the rate settles (< 5 % better than the round before): a JVM on a busy 2-core machine
        // keeps compiling the handshake path for tens of thousands of tunnels.
        int maxRounds = Integer.parseInt(opt("warmup-rounds", "1"));
        double previous = 0;
        int rounds = 0;
        for (int round = 1; warmup > 0 && round <= maxRounds; round++) {
            RateRun w = new RateRun(target, request, warmup, concurrency, (long) (maxSeconds * 1e9));
            long ns = w.run(concurrency);
            double perSecond = w.ok.get() / (ns / 1e9);
            rounds = round;
            log(String.format(Locale.ROOT, "warm-up round %d: %d ok, %d failed, %.0f/s", round, w.ok.get(),
                    w.failed.get(), perSecond));
            if (round >= 2 && perSecond < previous * 1.05) {
                break;
            }
            previous = Math.max(previous, perSecond);
        }
        result("warmup_rounds", rounds);
        RateRun r = new RateRun(target, request, count, concurrency, (long) (maxSeconds * 1e9));
        long cpu0 = processCpuNanos();
        Map<String, long[]> watch0 = watchSnapshot();
        long ns = r.run(concurrency);
        long cpu = processCpuNanos() - cpu0;
        watchResults(watch0, watchSnapshot());
        double seconds = ns / 1e9;
        int okCount = r.ok.get();
        long[] lat = new long[okCount];
        int j = 0;
        for (long l : r.latencies) {
            if (l > 0 && j < okCount) {
                lat[j++] = l;
            }
        }
        lat = Arrays.copyOf(lat, j);
        result("ok", okCount);
        result("failed", r.failed.get());
        result("seconds", seconds);
        result("concurrency", concurrency);
        result("per_second", okCount / seconds);
        result("tls_sessions_reused", r.reused.get());
        result("loadgen_cpu_s", cpu / 1e9);
        latencyResults("conn_", lat);
        for (String e : r.errors) {
            log("error: " + e);
        }
        return okCount == 0 ? 1 : 0;
    }

    // ---- latency: sequential requests in one tunnel ----------------------------------------------------------

    /** Sequential keep-alive GETs in one tunnel; records each round trip (send to last body byte). */
    static final class RrConn extends Conn {
        final byte[] request;
        final HttpReader reader = new HttpReader();
        final int limit;
        final long[] rtts;
        int done;
        int recorded;
        long sentNanos;
        volatile boolean recording = true;
        volatile boolean stop;
        final CompletableFuture<Void> finished = new CompletableFuture<>();
        int badStatus;

        RrConn(Target target, byte[] request, int limit, int capacity) {
            super(target);
            this.request = request;
            this.limit = limit;
            this.rtts = new long[capacity];
        }

        @Override
        void onOpen(ChannelHandlerContext ctx) {
            send(ctx);
        }

        private void send(ChannelHandlerContext ctx) {
            sentNanos = System.nanoTime();
            ctx.writeAndFlush(Unpooled.wrappedBuffer(request));
        }

        @Override
        void onData(ChannelHandlerContext ctx, ByteBuf buf) {
            reader.feed(buf, () -> {
                long rtt = System.nanoTime() - sentNanos;
                if (reader.lastStatus != 200) {
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
            });
        }

        @Override
        void onClosed() {
            finished.complete(null);
        }
    }

    static int latency(Target target) throws Exception {
        int count = Integer.parseInt(opt("count", "10000"));
        int warmup = Integer.parseInt(opt("warmup", "1000"));
        byte[] request = getRequest(opt("path", "/tiny"), target.destHost + ":" + target.destPort, false);
        RrConn conn = new RrConn(target, request, count + warmup, count + warmup);
        target.connect(conn, null);
        conn.opened.get(30, TimeUnit.SECONDS);
        long start = System.nanoTime();
        conn.finished.get(Math.max(60, count / 100), TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - start) / 1e9;
        long[] all = conn.channel.eventLoop().submit(() -> Arrays.copyOf(conn.rtts, conn.recorded)).get();
        conn.channel.close().sync();
        if (all.length < count + warmup) {
            log("only " + all.length + " of " + (count + warmup) + " requests completed");
        }
        long[] measured = all.length > warmup ? Arrays.copyOfRange(all, warmup, all.length) : new long[0];
        latencyResults("", measured);
        result("requests_per_second", all.length / seconds);
        result("bad_status", conn.badStatus);
        return measured.length == 0 ? 1 : 0;
    }

    // ---- idle: many open tunnels -----------------------------------------------------------------------------

    static final class IdleConn extends Conn {
        IdleConn(Target target) {
            super(target);
        }
    }

    static int idle(Target target) throws Exception {
        int[] counts = Arrays.stream(opt("counts", "1000").split(",")).mapToInt(Integer::parseInt).toArray();
        int concurrency = Integer.parseInt(opt("concurrency", "200"));
        Path control = Path.of(opt("control-dir"));
        long maxHold = (long) (Double.parseDouble(opt("max-hold-seconds", "300")) * 1e9);
        List<IdleConn> conns = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicInteger failed = new AtomicInteger();
        ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        try {
            for (int n : counts) {
                int need = n - conns.size();
                long start = System.nanoTime();
                AtomicInteger launched = new AtomicInteger();
                CountDownLatch slots = new CountDownLatch(concurrency);
                long deadline = System.nanoTime() + 120_000_000_000L;
                Runnable[] slot = new Runnable[1];
                slot[0] = () -> {
                    if (launched.getAndIncrement() >= need || System.nanoTime() > deadline) {
                        slots.countDown();
                        return;
                    }
                    IdleConn c = new IdleConn(target);
                    c.opened.whenComplete((x, t) -> {
                        if (t == null) {
                            conns.add(c);
                        } else {
                            failed.incrementAndGet();
                            if (errors.size() < 5) {
                                errors.add(String.valueOf(t));
                            }
                        }
                        slot[0].run();
                    });
                    target.connect(c, null);
                };
                for (int i = 0; i < concurrency; i++) {
                    slot[0].run();
                }
                slots.await(150, TimeUnit.SECONDS);
                double seconds = (System.nanoTime() - start) / 1e9;
                long alive = conns.stream().filter(c -> c.channel.isActive()).count();
                result(n + ".opened", alive);
                result(n + ".failed", failed.get());
                result(n + ".open_seconds", seconds);
                for (String e : errors) {
                    log("error: " + e);
                }
                errors.clear();
                System.out.println("READY " + n + " " + alive);
                System.out.flush();
                log("holding " + alive + " open tunnels; waiting for " + control.resolve("go." + n));
                long holdStart = System.nanoTime();
                while (!Files.exists(control.resolve("go." + n)) && System.nanoTime() - holdStart < maxHold) {
                    Thread.sleep(50);
                }
                long stillAlive = conns.stream().filter(c -> c.channel.isActive()).count();
                result(n + ".alive_after_hold", stillAlive);
            }
        } finally {
            for (IdleConn c : conns) {
                if (c.channel != null) {
                    c.channel.close();
                }
            }
            for (IdleConn c : conns) {
                c.closed.get(10, TimeUnit.SECONDS);
            }
        }
        return 0;
    }

    // ---- head-of-line: bulk + request/response, with and without a stalled reader ------------------------------

    /** Repeated keep-alive GETs of a large file, read as fast as they come. */
    static final class BulkConn extends Conn {
        final byte[] request;
        final HttpReader reader = new HttpReader();
        volatile boolean stop;

        BulkConn(Target target, byte[] request) {
            super(target);
            this.request = request;
        }

        @Override
        void onOpen(ChannelHandlerContext ctx) {
            ctx.writeAndFlush(Unpooled.wrappedBuffer(request));
        }

        @Override
        void onData(ChannelHandlerContext ctx, ByteBuf buf) {
            reader.feed(buf, () -> {
                if (!stop) {
                    ctx.writeAndFlush(Unpooled.wrappedBuffer(request));
                }
            });
        }
    }

    /** Asks for a large file, then never reads again. */
    static final class StallConn extends Conn {
        final byte[] request;
        final AtomicLong bytesRead = new AtomicLong();

        StallConn(Target target, byte[] request) {
            super(target);
            this.request = request;
        }

        @Override
        void onOpen(ChannelHandlerContext ctx) {
            ctx.channel().config().setAutoRead(false);
            ctx.writeAndFlush(Unpooled.wrappedBuffer(request));
        }

        @Override
        void onData(ChannelHandlerContext ctx, ByteBuf buf) {
            bytesRead.addAndGet(buf.readableBytes());
            buf.release();
        }
    }

    static int hol(Target target) throws Exception {
        double seconds = Double.parseDouble(opt("seconds", "8"));
        double settle = Double.parseDouble(opt("settle-seconds", "2"));
        String metricsUrl = opt("metrics-url", "");
        String host = target.destHost + ":" + target.destPort;
        byte[] big = getRequest(opt("big", "/big"), host, false);
        byte[] tiny = getRequest(opt("tiny", "/tiny"), host, false);
        EventLoop[] loops = new EventLoop[3];
        for (int i = 0; i < 3; i++) {
            loops[i] = (EventLoop) target.group.next();
        }
        // "warmup" is run first and not reported: the generator's own JIT must not colour the first baseline.
        String[] phases = opt("phases", "warmup,baseline,stall,baseline2").split(",");
        for (String phase : phases) {
            StallConn stall = null;
            if (phase.startsWith("stall")) {
                stall = new StallConn(target, big);
                target.connect(stall, loops[2]);
                stall.opened.get(30, TimeUnit.SECONDS);
                hold(settle, stall); // the settle window: the stalled stream fills its window
                result(phase + ".stall_bytes_read_by_client", stall.bytesRead.get());
            }
            BulkConn bulk = new BulkConn(target, big);
            RrConn rr = new RrConn(target, tiny, Integer.MAX_VALUE, 4_000_000);
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
                result(phase + ".server_unwritten_bytes", scrape(metricsUrl, "tunnel_server_stream_unwritten_bytes"));
            }
            bulk.stop = true;
            rr.stop = true;
            boolean bulkAlive = bulk.channel.isActive();
            boolean rrAlive = rr.channel.isActive();
            bulk.channel.close().sync();
            rr.channel.close().sync();
            double dt = (t1 - t0) / 1e9;
            if (phase.equals("warmup")) {
                awaitStreamsDrained(metricsUrl, 0);
                continue;
            }
            result(phase + ".bulk_bytes_per_second", (b1 - b0) / dt);
            result(phase + ".seconds", dt);
            result(phase + ".bulk_alive", bulkAlive);
            result(phase + ".rr_alive", rrAlive);
            latencyResults(phase + ".rr_", rtts);
            if (stall != null) {
                result(phase + ".stall_alive", stall.channel.isActive());
                result(phase + ".stall_bytes_read_by_client_end", stall.bytesRead.get());
                stall.channel.close().sync();
            }
            awaitStreamsDrained(metricsUrl, 0);
        }
        return 0;
    }

    /**
     * A timed window of a head-of-line phase: {@code seconds} long, or shorter if one of {@code conns} closes first
     * (the phase is broken then, which its {@code *_alive} results report; rates use the window actually measured).
     */
    static void hold(double seconds, Conn... conns) throws InterruptedException {
        CountDownLatch closed = new CountDownLatch(1);
        for (Conn conn : conns) {
            conn.channel.closeFuture().addListener(f -> closed.countDown());
        }
        closed.await((long) (seconds * 1000), TimeUnit.MILLISECONDS);
    }

    /**
     * Between phases: waits (at most 10 s) until the server reports at most {@code open} streams, so a phase never
     * measures the previous one's teardown. Without a metrics URL (tinyproxy, direct) the closed sockets are all there
     * is to wait for, and their close futures were already awaited.
     */
    static void awaitStreamsDrained(String metricsUrl, int open) throws InterruptedException {
        if (metricsUrl.isEmpty()) {
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            String value = scrape(metricsUrl, "tunnel_server_open_streams");
            try {
                if (Double.parseDouble(value) <= open) {
                    return;
                }
            } catch (NumberFormatException e) {
                log("cannot read tunnel_server_open_streams (" + value + "), not waiting for the drain");
                return;
            }
            Thread.sleep(20); // bounded poll of a condition another process owns
        }
        log("the server still had streams open 10 s after a phase ended");
    }

    static String scrape(String url, String metric) {
        try {
            HttpClient client = HttpClient.newBuilder().proxy(HttpClient.Builder.NO_PROXY)
                    .connectTimeout(Duration.ofSeconds(3)).build();
            String body = client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            for (String line : body.split("\n")) {
                if (line.startsWith(metric + " ") || line.startsWith(metric + "{")) {
                    return line.substring(line.lastIndexOf(' ') + 1).trim();
                }
            }
            return "absent";
        } catch (Exception e) {
            return "error";
        }
    }
}
