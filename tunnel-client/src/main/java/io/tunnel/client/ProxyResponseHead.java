package io.tunnel.client;

import io.netty.util.ByteProcessor;

/**
 * The proxy's answer to CONNECT: the status line of an HTTP/1.x response head. Header fields are read (and
 * bounded) but not kept: an answer to CONNECT carries nothing this client needs from them.
 *
 * @param status the three-digit status code
 * @param reason the reason phrase, possibly empty
 */
record ProxyResponseHead(int status, String reason) {

    /**
     * Parses a complete response head ({@code HTTP/1.x SSS reason}, header lines, blank line).
     *
     * @throws IllegalArgumentException naming what is wrong if it is not one
     */
    static ProxyResponseHead parse(String head) {
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
