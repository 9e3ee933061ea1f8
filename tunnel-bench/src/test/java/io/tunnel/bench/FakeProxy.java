package io.tunnel.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLContext;

/**
 * A CONNECT proxy and the destination behind it in one loopback server, for the load generator's tests: answers
 * CONNECT with a given head (or expects no CONNECT at all, as a direct destination), then answers every GET with
 * {@code ok\n}, keeping the connection unless the request says {@code Connection: close}. Plaintext, or TLS with
 * the JDK's provider ({@link #tlsProxy}).
 */
final class FakeProxy implements AutoCloseable {
    static final String ESTABLISHED = "HTTP/1.1 200 Connection established\r\n\r\n";
    private static final String OK = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n";

    private final ServerSocket server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final String answer;
    private final boolean eager;

    /**
     * @param answer the answer to CONNECT, or {@code null} for a direct destination
     * @param eager  whether the first response goes out with the answer, in one write (before the GET arrives)
     */
    private FakeProxy(String answer, boolean eager, ServerSocket server) throws IOException {
        this.answer = answer;
        this.eager = eager;
        this.server = server;
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        executor.execute(this::acceptLoop);
    }

    static FakeProxy proxy(String answer) throws IOException {
        return new FakeProxy(answer, false, new ServerSocket());
    }

    /** A proxy that answers 200 over TLS from {@code tls} (no client certificate asked for). */
    static FakeProxy tlsProxy(SSLContext tls) throws IOException {
        return new FakeProxy(ESTABLISHED, false, tls.getServerSocketFactory().createServerSocket());
    }

    /** A proxy whose 200 carries the destination's whole answer (with Connection: close) right behind it. */
    static FakeProxy eagerProxy() throws IOException {
        return new FakeProxy(ESTABLISHED, true, new ServerSocket());
    }

    static FakeProxy destination() throws IOException {
        return new FakeProxy(null, false, new ServerSocket());
    }

    String address() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                sockets.add(socket);
                executor.execute(() -> serve(socket));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.US_ASCII));
            OutputStream out = socket.getOutputStream();
            if (answer != null) {
                readHead(in);
                if (eager) {
                    out.write(bytes(answer + OK + "Connection: close\r\n\r\nok\n"));
                    readHead(in);
                    return;
                }
                out.write(bytes(answer));
                if (!answer.startsWith("HTTP/1.1 200 ")) {
                    return;
                }
            }
            for (String request = readHead(in); request != null; request = readHead(in)) {
                boolean close = request.toLowerCase(Locale.ROOT).contains("connection: close");
                out.write(bytes(OK + (close ? "Connection: close\r\n" : "") + "\r\nok\n"));
                if (close) {
                    return;
                }
            }
        } catch (IOException e) {
            // the client went away, or the test closed the server
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** The lines of a request head, or {@code null} at the end of the stream. */
    private static String readHead(BufferedReader in) throws IOException {
        StringBuilder head = new StringBuilder();
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            if (line.isEmpty()) {
                return head.toString();
            }
            head.append(line).append('\n');
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
        executor.shutdownNow();
    }
}
