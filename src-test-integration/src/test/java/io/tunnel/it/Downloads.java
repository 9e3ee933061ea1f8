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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Long downloads kept in flight through a plaintext CONNECT proxy: each of {@code parallel} workers downloads
 * {@code bytes} of {@link Pattern} data paced over {@code millis} from an {@link HttpDestination}, checks its length
 * and SHA-256, and starts the next one, until {@link #close()}. So whenever a process is stopped, downloads run
 * through it, and each must still arrive byte-exact.
 */
public final class Downloads implements AutoCloseable {
    private final int proxyPort;
    private final String target;
    private final long bytes;
    private final long millis;
    private final Pattern.Digest expected;
    private final ExecutorService workers;
    private final AtomicLong started = new AtomicLong();
    private final AtomicLong completed = new AtomicLong();
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    private volatile boolean stopping;

    private Downloads(int proxyPort, String target, long bytes, long millis, int parallel) {
        this.proxyPort = proxyPort;
        this.target = target;
        this.bytes = bytes;
        this.millis = millis;
        this.expected = Pattern.Digest.of(bytes);
        this.workers = Executors.newFixedThreadPool(parallel);
    }

    /** Starts {@code parallel} workers downloading from {@code target} (host:port of an HTTP destination). */
    public static Downloads start(int proxyPort, String target, long bytes, long millis, int parallel) {
        Downloads downloads = new Downloads(proxyPort, target, bytes, millis, parallel);
        for (int i = 0; i < parallel; i++) {
            downloads.workers.execute(downloads::loop);
        }
        return downloads;
    }

    private void loop() {
        while (!stopping) {
            started.incrementAndGet();
            String failure = downloadOnce();
            if (failure == null) {
                completed.incrementAndGet();
            } else {
                failures.add(failure);
            }
        }
    }

    /** One download through a new tunnel; {@code null} if it arrived whole, else what went wrong. */
    String downloadOnce() {
        StringBuilder head = new StringBuilder();
        try (Socket socket = ConnectSocket.open(proxyPort, target, head)) {
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            if (!head.toString().startsWith("HTTP/1.1 200 ")) {
                return "CONNECT answered " + head.toString().lines().findFirst().orElse("nothing");
            }
            out.write(("GET /bytes?n=" + bytes + "&ms=" + millis + " HTTP/1.1\r\nHost: " + target
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String response = ConnectSocket.readHead(in);
            if (!response.startsWith("HTTP/1.1 200 ")) {
                return "GET answered " + response.lines().findFirst().orElse("nothing");
            }
            Pattern.Digest got = Pattern.digest(in);
            return got.equals(expected) ? null : "got " + got + ", expected " + expected;
        } catch (IOException e) {
            return e.toString();
        }
    }

    public long started() {
        return started.get();
    }

    /** Downloads that arrived byte-exact. */
    public long completed() {
        return completed.get();
    }

    public List<String> failures() {
        return List.copyOf(failures);
    }

    /** Lets each worker finish the download under way, then stops. */
    @Override
    public void close() {
        stopping = true;
        workers.shutdown();
        try {
            if (!workers.awaitTermination(2 * millis + 30_000, TimeUnit.MILLISECONDS)) {
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
