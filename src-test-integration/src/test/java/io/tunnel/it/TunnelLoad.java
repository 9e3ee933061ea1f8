package io.tunnel.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A steady stream of new tunnels through a plaintext CONNECT proxy: {@code perSecond} times a second a new connection
 * sends CONNECT to an {@link HttpDestination}, expects 200, then GET / and its body. Every failure is kept with the
 * time it started, counted from {@link #start}.
 */
public final class TunnelLoad implements AutoCloseable {
    private static final int THREADS = 32;

    private final int proxyPort;
    private final String target;
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
    private final ExecutorService workers = Executors.newFixedThreadPool(THREADS);
    private final AtomicLong attempts = new AtomicLong();
    private final AtomicLong answered = new AtomicLong();
    private final ConcurrentLinkedQueue<Failure> failures = new ConcurrentLinkedQueue<>();
    private final long startNanos = System.nanoTime();

    /** A tunnel that was not answered 200 with the right body: when it started (ms after the start) and why. */
    public record Failure(long startedMillis, String why) {
    }

    private TunnelLoad(int proxyPort, String target) {
        this.proxyPort = proxyPort;
        this.target = target;
    }

    /** Starts opening {@code perSecond} tunnels a second to {@code target} through the proxy at {@code proxyPort}. */
    public static TunnelLoad start(int proxyPort, String target, int perSecond) {
        TunnelLoad load = new TunnelLoad(proxyPort, target);
        load.ticker.scheduleAtFixedRate(() -> load.workers.execute(load::tunnel), 0, 1_000_000 / perSecond,
                TimeUnit.MICROSECONDS);
        return load;
    }

    private void tunnel() {
        long started = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
        attempts.incrementAndGet();
        StringBuilder head = new StringBuilder();
        try (Socket socket = ConnectSocket.open(proxyPort, target, head)) {
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            if (!head.toString().startsWith("HTTP/1.1 200 ")) {
                failures.add(new Failure(started, "CONNECT answered "
                        + head.toString().lines().findFirst().orElse("nothing")));
                return;
            }
            out.write(("GET / HTTP/1.1\r\nHost: " + target + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String response = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            if (!response.startsWith("HTTP/1.1 200 ") || !response.endsWith(HttpDestination.BODY)) {
                failures.add(new Failure(started, "GET through the tunnel answered " + response));
                return;
            }
            answered.incrementAndGet();
        } catch (IOException e) {
            failures.add(new Failure(started, e.toString()));
        }
    }

    /** Milliseconds since the start. */
    public long elapsedMillis() {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    public long attempts() {
        return attempts.get();
    }

    /** Tunnels answered 200 whose GET came back whole. */
    public long answered() {
        return answered.get();
    }

    public List<Failure> failures() {
        return List.copyOf(failures);
    }

    /** Stops opening tunnels and waits for those under way. */
    @Override
    public void close() {
        ticker.shutdownNow();
        workers.shutdown();
        try {
            workers.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
