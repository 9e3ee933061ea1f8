package io.tunnel.it;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLContext;

/**
 * A private HTTP or HTTPS service for tests: {@code /} answers {@link #BODY}; {@code /bytes?n=N} streams N bytes of
 * {@link Pattern} data; {@code /bytes?n=N&ms=T} streams them evenly over about T milliseconds (a download that lasts,
 * whatever the socket buffers on its way hold).
 */
public final class HttpDestination implements AutoCloseable {
    public static final String BODY = "hello from the private network\n";

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();

    private HttpDestination(HttpServer server) {
        this.server = server;
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    public static HttpDestination http(InetAddress bind) throws IOException {
        return new HttpDestination(HttpServer.create(new InetSocketAddress(bind, 0), 128));
    }

    public static HttpDestination https(InetAddress bind, SSLContext context) throws IOException {
        HttpsServer server = HttpsServer.create(new InetSocketAddress(bind, 0), 128);
        server.setHttpsConfigurator(new HttpsConfigurator(context));
        return new HttpDestination(server);
    }

    public static HttpDestination http() throws IOException {
        return http(InetAddress.getLoopbackAddress());
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String query = exchange.getRequestURI().getQuery();
            if (path.equals("/bytes") && query != null && query.startsWith("n=")) {
                String[] params = query.split("&ms=", 2);
                long n = Long.parseLong(params[0].substring(2));
                exchange.sendResponseHeaders(200, n);
                try (OutputStream out = exchange.getResponseBody()) {
                    Pattern.write(params.length == 2 ? new PacedOutputStream(out, n, Long.parseLong(params[1])) : out,
                            n);
                }
            } else {
                byte[] body = BODY.getBytes(StandardCharsets.US_ASCII);
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
