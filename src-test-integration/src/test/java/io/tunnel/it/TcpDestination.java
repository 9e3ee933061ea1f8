package io.tunnel.it;

import java.io.BufferedReader;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Raw TCP services for stream tests:
 * <ul>
 *   <li>{@link Mode#ECHO} writes back what it reads, and half-closes when its input ends;</li>
 *   <li>{@link Mode#SINK} reads until EOF and only then answers {@code "<count> <sha256>\n"} (half-close test);</li>
 *   <li>{@link Mode#SOURCE} reads a line {@code N}, sends N pattern bytes and closes;</li>
 *   <li>{@link Mode#SILENT} accepts and never reads (the stalled reader);</li>
 *   <li>{@link Mode#GREETER} sends {@link #GREETING} and half-closes at once, then reads until EOF and records what
 *   it read in {@link #received()} (an upload that outlives the destination's half-close);</li>
 *   <li>{@link Mode#MUTE} reads until EOF, records what it read in {@link #received()}, then holds the connection
 *   open without a word until {@link #close()} (a destination that keeps a half-closed stream waiting);</li>
 *   <li>{@link Mode#HTTP10_ENDLESS} reads a request head and answers HTTP/1.0 200 without Content-Length, so the end of
 *   the connection is the end of the body, then sends zeros until the client goes away (a close-delimited
 *   download).</li>
 * </ul>
 */
public final class TcpDestination implements AutoCloseable {
    public enum Mode { ECHO, SINK, SOURCE, SILENT, GREETER, MUTE, HTTP10_ENDLESS }

    public static final String GREETING = "hello\n";

    private final ServerSocket server;
    private final Mode mode;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final CountDownLatch closed = new CountDownLatch(1);
    private final BlockingQueue<Pattern.Digest> received = new LinkedBlockingQueue<>();
    private final AtomicLong bytesRead = new AtomicLong();

    private TcpDestination(ServerSocket server, Mode mode) {
        this.server = server;
        this.mode = mode;
        executor.execute(this::acceptLoop);
    }

    public static TcpDestination start(Mode mode, InetAddress bind) throws IOException {
        ServerSocket server = new ServerSocket();
        server.bind(new InetSocketAddress(bind, 0), 512);
        return new TcpDestination(server, mode);
    }

    public static TcpDestination start(Mode mode) throws IOException {
        return start(mode, InetAddress.getLoopbackAddress());
    }

    public int port() {
        return server.getLocalPort();
    }

    /** What each {@link Mode#GREETER} connection read before its input ended, in the order they ended. */
    public BlockingQueue<Pattern.Digest> received() {
        return received;
    }

    /** Bytes the {@link Mode#GREETER} connections read so far, all together. */
    public long bytesRead() {
        return bytesRead.get();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                executor.execute(() -> serve(socket));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            switch (mode) {
                case ECHO -> {
                    byte[] buf = new byte[64 * 1024];
                    int n;
                    while ((n = in.read(buf)) >= 0) {
                        out.write(buf, 0, n);
                    }
                    socket.shutdownOutput();
                }
                case SINK -> {
                    Pattern.Digest digest = Pattern.digest(in);
                    out.write((digest + "\n").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
                case SOURCE -> {
                    String line = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII)).readLine();
                    Pattern.write(out, Long.parseLong(line.trim()));
                    socket.shutdownOutput();
                    in.transferTo(OutputStream.nullOutputStream());
                }
                case SILENT -> closed.await(); // hold the connection without reading until close()
                case MUTE -> {
                    received.add(Pattern.digest(in));
                    closed.await();
                }
                case HTTP10_ENDLESS -> {
                    ConnectSocket.readHead(in);
                    out.write("HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
                    byte[] zeros = new byte[64 * 1024];
                    while (true) {
                        out.write(zeros);
                    }
                }
                case GREETER -> {
                    out.write(GREETING.getBytes(StandardCharsets.US_ASCII));
                    socket.shutdownOutput();
                    received.add(Pattern.digest(new FilterInputStream(in) {
                        @Override
                        public int read(byte[] b, int off, int len) throws IOException {
                            int n = super.read(b, off, len);
                            bytesRead.addAndGet(Math.max(n, 0));
                            return n;
                        }
                    }));
                }
            }
        } catch (IOException | InterruptedException e) {
            // the peer went away: nothing to serve
        }
    }

    @Override
    public void close() throws IOException {
        closed.countDown();
        server.close();
        executor.shutdownNow();
    }
}
