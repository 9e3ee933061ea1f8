package io.tunnel.client.request;

import io.netty.util.NetUtil;
import io.tunnel.client.TunnelClient;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ProtocolException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A minimal HTTP/1.1 GET over {@link TunnelClient#dialSocket}: sends {@code Host} and {@code Connection: close},
 * skips interim (1xx) answers and copies the body (Content-Length, chunked, or up to the end of the connection) to
 * an output stream. Not a general HTTP client: no redirects, no keep-alive, no TLS to the destination.
 */
public final class PageRequest {
    /** Largest response head accepted from the destination. */
    static final int MAX_HEAD = 64 * 1024;
    private static final int MAX_CHUNK_LINE = 1024;

    /** The destination's answer: status and reason; the body went to the output stream. */
    public record Response(int status, String reason, long bodyBytes) {
        public boolean isSuccess() {
            return status / 100 == 2;
        }
    }

    private PageRequest() {
    }

    /**
     * Runs the GET and writes the response body to {@code body}.
     *
     * @throws io.tunnel.client.TunnelException if the tunnel cannot be opened
     * @throws IOException                      if the exchange fails after that
     */
    public static Response get(TunnelClient client, RequestConfig config, OutputStream body) throws IOException {
        try (Socket socket = client.dialSocket(config.host(), config.port())) {
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, config.readTimeout().toMillis()));
            OutputStream out = socket.getOutputStream();
            out.write(request(config).getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            Head head;
            do {
                head = Head.read(in);
            } while (head.status / 100 == 1 && head.status != 101);
            long n = copyBody(head, in, body);
            body.flush();
            return new Response(head.status, head.reason, n);
        }
    }

    static String request(RequestConfig config) {
        String authority = NetUtil.toSocketAddressString(config.host(), config.port());
        String host = config.port() == 80 ? authority.substring(0, authority.lastIndexOf(':')) : authority;
        return "GET " + config.path() + " HTTP/1.1\r\n"
                + "Host: " + host + "\r\n"
                + "User-Agent: tunnel-client\r\n"
                + "Accept: */*\r\n"
                + "Connection: close\r\n\r\n";
    }

    private static long copyBody(Head head, InputStream in, OutputStream body) throws IOException {
        if (head.status == 204 || head.status == 304) {
            return 0;
        }
        if (head.chunked) {
            return copyChunked(in, body);
        }
        if (head.contentLength >= 0) {
            long copied = copy(in, body, head.contentLength);
            if (copied < head.contentLength) {
                throw new EOFException("response body ended after " + copied + " of " + head.contentLength + " bytes");
            }
            return copied;
        }
        return copy(in, body, Long.MAX_VALUE);
    }

    private static long copyChunked(InputStream in, OutputStream body) throws IOException {
        long total = 0;
        while (true) {
            String line = readLine(in, MAX_CHUNK_LINE);
            int semicolon = line.indexOf(';');
            String hex = (semicolon < 0 ? line : line.substring(0, semicolon)).trim();
            long size;
            try {
                size = Long.parseLong(hex, 16);
            } catch (NumberFormatException e) {
                throw new ProtocolException("malformed chunk size");
            }
            if (size < 0) {
                throw new ProtocolException("malformed chunk size");
            }
            if (size == 0) {
                while (!readLine(in, MAX_HEAD).isEmpty()) {
                    // trailer fields: not needed
                }
                return total;
            }
            if (copy(in, body, size) < size) {
                throw new EOFException("chunked body ended inside a chunk");
            }
            total += size;
            if (!readLine(in, 2).isEmpty()) {
                throw new ProtocolException("chunk not followed by CRLF");
            }
        }
    }

    private static long copy(InputStream in, OutputStream out, long limit) throws IOException {
        byte[] buf = new byte[16 * 1024];
        long copied = 0;
        while (copied < limit) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, limit - copied));
            if (n < 0) {
                break;
            }
            out.write(buf, 0, n);
            copied += n;
        }
        return copied;
    }

    /** A line without its CRLF (or bare LF); fails beyond {@code max} bytes or at the end of the stream. */
    static String readLine(InputStream in, int max) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed inside the response");
            }
            if (b == '\n') {
                byte[] bytes = line.toByteArray();
                int len = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                return new String(bytes, 0, len, StandardCharsets.ISO_8859_1);
            }
            if (line.size() >= max) {
                throw new ProtocolException("response line longer than " + max + " bytes");
            }
            line.write(b);
        }
    }

    /** A response head: status line and the fields that frame the body. */
    static final class Head {
        int status;
        String reason = "";
        long contentLength = -1;
        boolean chunked;

        static Head read(InputStream in) throws IOException {
            Head head = new Head();
            int budget = MAX_HEAD;
            String statusLine = readLine(in, budget);
            budget -= statusLine.length() + 2;
            if (!statusLine.matches("HTTP/1\\.[01] \\d{3}( .*)?")) {
                throw new ProtocolException("the destination did not answer with HTTP/1.x");
            }
            head.status = Integer.parseInt(statusLine.substring(9, 12));
            head.reason = statusLine.length() > 13 ? statusLine.substring(13) : "";
            while (true) {
                if (budget <= 0) {
                    throw new ProtocolException("response head longer than " + MAX_HEAD + " bytes");
                }
                String field = readLine(in, budget);
                budget -= field.length() + 2;
                if (field.isEmpty()) {
                    return head;
                }
                int colon = field.indexOf(':');
                if (colon <= 0) {
                    throw new ProtocolException("malformed header field");
                }
                String name = field.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = field.substring(colon + 1).trim();
                if (name.equals("transfer-encoding")) {
                    head.chunked = value.toLowerCase(Locale.ROOT).endsWith("chunked");
                } else if (name.equals("content-length")) {
                    try {
                        head.contentLength = Long.parseLong(value);
                    } catch (NumberFormatException e) {
                        throw new ProtocolException("malformed Content-Length");
                    }
                }
            }
        }
    }
}
