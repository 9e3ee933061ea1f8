package io.tunnel.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;

/**
 * A scripted stand-in for tunnel-server's frontend on a real loopback socket, plaintext or mTLS: reads one request
 * head per connection and hands the connection to the test's {@link Script}.
 */
public final class FakeProxy implements AutoCloseable {
    /** What the proxy does with one connection after it read the request head. */
    public interface Script {
        void run(Socket socket, String requestHead) throws Exception;
    }

    private final ServerSocket server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final LinkedBlockingQueue<String> requests = new LinkedBlockingQueue<>();
    private final CountDownLatch closed = new CountDownLatch(1);

    private FakeProxy(ServerSocket server, Script script) {
        this.server = server;
        executor.execute(() -> acceptLoop(script));
    }

    public static FakeProxy start(Script script) throws IOException {
        ServerSocket server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        return new FakeProxy(server, script);
    }

    /**
     * A proxy speaking TLS with {@code tls} (its certificate, and the CAs it takes client certificates from) that
     * requires a client certificate, as tunnel-server's mTLS frontend does.
     */
    public static FakeProxy startTls(SSLContext tls, Script script) throws IOException {
        SSLServerSocket server = (SSLServerSocket) tls.getServerSocketFactory().createServerSocket();
        server.setNeedClientAuth(true);
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        return new FakeProxy(server, script);
    }

    /** A proxy that answers every CONNECT with {@code answer} (bytes as ISO-8859-1) and then echoes. */
    public static FakeProxy answering(String answer) throws IOException {
        return start(answerThenEcho(answer));
    }

    /** Answers CONNECT with {@code answer} (bytes as ISO-8859-1), then echoes what the client sends. */
    public static Script answerThenEcho(String answer) {
        return (socket, head) -> {
            socket.getOutputStream().write(answer.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            socket.getInputStream().transferTo(socket.getOutputStream());
        };
    }

    public int port() {
        return server.getLocalPort();
    }

    /** The next request head received, waiting at most 10 s. */
    public String nextRequest() throws InterruptedException {
        String head = requests.poll(10, TimeUnit.SECONDS);
        if (head == null) {
            throw new AssertionError("no request reached the fake proxy");
        }
        return head;
    }

    /** Blocks a script until the proxy is closed (the "never answers" proxy), at most 30 s. */
    public void hold() throws InterruptedException {
        closed.await(30, TimeUnit.SECONDS);
    }

    private void acceptLoop(Script script) {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                sockets.add(socket);
                executor.execute(() -> serve(socket, script));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket, Script script) {
        try (socket) {
            String head = readHead(socket.getInputStream());
            requests.add(head);
            script.run(socket, head);
        } catch (Exception e) {
            // the client went away, or the test closed the proxy
        }
    }

    static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.write(b);
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        closed.countDown();
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
        executor.shutdownNow();
    }
}
