package io.tunnel.client;

import io.netty.handler.codec.TooLongFrameException;
import io.netty.util.ByteProcessor;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * The proxy's answer to CONNECT: the status line of an HTTP/1.x response head. Header fields are read (and
 * bounded) but not kept: an answer to CONNECT carries nothing this client needs from them.
 *
 * <p>This is the project's one reader of that answer: where a head ends ({@link EndFinder}), how long it may be
 * ({@link #MAX_LENGTH}) and what its status line says ({@link #parse}). {@link ProxyResponseDecoder} uses it for
 * channels (and so for every caller of {@link TunnelClient#dialChannel}, the benchmark's load generator included),
 * {@link #readText} for blocking streams ({@link TunnelClient#dialSocket}, tests on raw sockets).
 *
 * @param status the three-digit status code
 * @param reason the reason phrase, possibly empty
 */
public record ProxyResponseHead(int status, String reason) {
    /** Largest response head (status line and header fields, with the blank line) read from the proxy. */
    public static final int MAX_LENGTH = 8 * 1024;
    /** The status of an established tunnel. */
    public static final int ESTABLISHED = 200;

    /**
     * Whether the proxy opened the tunnel.
     *
     * @return {@code true} if the status is {@value #ESTABLISHED}
     */
    public boolean isEstablished() {
        return status == ESTABLISHED;
    }

    /**
     * Parses a complete response head ({@code HTTP/1.x SSS reason}, header lines, blank line).
     *
     * @param head the head as text, e.g. from {@link #readText}
     * @return its status and reason
     * @throws IllegalArgumentException naming what is wrong if it is not one
     */
    public static ProxyResponseHead parse(String head) {
        int eol = head.indexOf('\n');
        String line = eol < 0 ? head : head.substring(0, eol);
        if (line.endsWith("\r")) {
            line = line.substring(0, line.length() - 1);
        }
        if (!line.startsWith("HTTP/1.0 ") && !line.startsWith("HTTP/1.1 ")) {
            throw new IllegalArgumentException("not an HTTP/1.x status line");
        }
        if (line.length() < 12 || (line.length() > 12 && line.charAt(12) != ' ')) {
            throw new IllegalArgumentException("malformed status code");
        }
        int status = 0;
        for (int i = 9; i < 12; i++) {
            char c = line.charAt(i);
            if (c < '0' || c > '9') {
                throw new IllegalArgumentException("malformed status code");
            }
            status = status * 10 + (c - '0');
        }
        if (status < 100) {
            throw new IllegalArgumentException("malformed status code");
        }
        return new ProxyResponseHead(status, line.length() > 13 ? line.substring(13) : "");
    }

    /**
     * Reads one response head from a blocking stream, a byte at a time so that nothing behind it is consumed: the
     * first byte the stream returns afterwards is the target's.
     *
     * @param in the stream from the proxy, right after CONNECT was sent
     * @return the head as ISO-8859-1 text, up to and including the line feed of its blank line (for {@link #parse})
     * @throws EOFException          if the stream ends before the head does
     * @throws TooLongFrameException if the head is longer than {@value #MAX_LENGTH} bytes
     * @throws IOException           what reading the stream throws
     */
    public static String readText(InputStream in) throws IOException {
        byte[] head = new byte[MAX_LENGTH];
        EndFinder endFinder = new EndFinder();
        int length = 0;
        while (!endFinder.found()) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("the connection closed before an answer");
            }
            if (length == head.length) {
                throw tooLong();
            }
            head[length++] = (byte) b;
            endFinder.process((byte) b);
        }
        return new String(head, 0, length, StandardCharsets.ISO_8859_1);
    }

    /** The failure of a head longer than {@value #MAX_LENGTH} bytes. */
    static TooLongFrameException tooLong() {
        return new TooLongFrameException("response head longer than " + MAX_LENGTH + " bytes");
    }

    /**
     * Finds the end of a response head, one byte at a time: stops on the LF of the first empty line (an empty line
     * is {@code CRLF}, or a bare {@code LF} from a lenient peer). Keeps its state between calls, so a head that
     * arrives in pieces is scanned once.
     */
    static final class EndFinder implements ByteProcessor {
        private int lineLength;
        private boolean found;

        @Override
        public boolean process(byte value) {
            if (value == '\n') {
                if (lineLength == 0) {
                    found = true;
                    return false;
                }
                lineLength = 0;
            } else if (value != '\r') {
                lineLength++;
            }
            return true;
        }

        boolean found() {
            return found;
        }
    }
}
