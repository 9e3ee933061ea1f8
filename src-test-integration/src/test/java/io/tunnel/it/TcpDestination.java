package io.tunnel.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Raw TCP services for stream tests:
 * <ul>
 *   <li>{@link Mode#ECHO} writes back what it reads, and half-closes when its input ends;</li>
 *   <li>{@link Mode#SINK} reads until EOF and only then answers {@code "<count> <sha256>\n"} (half-close test);</li>
 *   <li>{@link Mode#SOURCE} reads a line {@code N}, sends N pattern bytes and closes;</li>
 *   <li>{@link Mode#SILENT} accepts and never reads (the stalled reader).</li>
 * </ul>
 */
public final class TcpDestination implements AutoCloseable {
    public enum Mode { ECHO, SINK, SOURCE, SILENT }

    private final ServerSocket server;
    private final Mode mode;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final CountDownLatch closed = new CountDownLatch(1);

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
