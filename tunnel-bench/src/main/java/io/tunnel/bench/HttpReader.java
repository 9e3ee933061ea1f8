package io.tunnel.bench;

import io.netty.buffer.ByteBuf;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Incremental HTTP/1.1 response reader of the load generator: Content-Length bodies only (all the bench's nginx
 * sends), bodies skipped and counted. Confined to the connection's event loop, except {@link #bodyBytes}, which
 * other threads read.
 */
final class HttpReader {
    /** Longest response head accepted. */
    static final int MAX_HEAD = 16 * 1024;

    private final StringBuilder head = new StringBuilder();
    private boolean inBody;
    private long remaining;
    private int lastStatus;
    /** Body bytes read so far (written by the event loop only, read by any thread). */
    final AtomicLong bodyBytes = new AtomicLong();

    /**
     * Consumes and releases {@code buf}; runs {@code onResponse} after each complete response.
     *
     * @throws IllegalStateException if a response head is longer than {@value #MAX_HEAD} bytes
     */
    void feed(ByteBuf buf, Runnable onResponse) {
        try {
            while (buf.isReadable()) {
                if (inBody) {
                    int n = (int) Math.min(remaining, buf.readableBytes());
                    buf.skipBytes(n);
                    remaining -= n;
                    bodyBytes.lazySet(bodyBytes.get() + n);
                    if (remaining == 0) {
                        inBody = false;
                        onResponse.run();
                    }
                    continue;
                }
                while (buf.isReadable()) {
                    head.append((char) (buf.readByte() & 0xff));
                    int len = head.length();
                    if (len >= 4 && head.charAt(len - 1) == '\n' && head.charAt(len - 2) == '\r'
                            && head.charAt(len - 3) == '\n' && head.charAt(len - 4) == '\r') {
                        long contentLength = parseHead();
                        head.setLength(0);
                        if (contentLength <= 0) {
                            onResponse.run();
                        } else {
                            inBody = true;
                            remaining = contentLength;
                        }
                        break;
                    }
                    if (len > MAX_HEAD) {
                        throw new IllegalStateException("response head too long");
                    }
                }
            }
        } finally {
            buf.release();
        }
    }

    /** The status of the last complete response head, 0 before the first or if it had none. */
    int lastStatus() {
        return lastStatus;
    }

    private long parseHead() {
        String[] lines = head.toString().split("\r\n");
        String[] status = lines[0].split(" ");
        lastStatus = status.length > 1 ? Integer.parseInt(status[1]) : 0;
        for (String line : lines) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("content-length")) {
                return Long.parseLong(line.substring(colon + 1).trim());
            }
        }
        return 0;
    }
}
