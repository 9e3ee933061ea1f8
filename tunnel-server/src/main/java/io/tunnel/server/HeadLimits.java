package io.tunnel.server;

import io.netty.buffer.ByteBuf;

/**
 * The frontend's limits on one request head, checked on its raw bytes just before Netty's decoder reads them.
 * Netty's decoder bounds only the request line and the sum of the field lines (without their CRLFs); the frontend
 * promises more, and answers it before anything is buffered beyond it:
 * <ul>
 *   <li>every line ends in CRLF and is at most {@value FrontendRequestDecoder#MAX_LINE} bytes with it, checked
 *   before the line ends: a longer request line is {@code 400}, a longer field line {@code 431};</li>
 *   <li>the head (request line, field lines, blank line) is at most {@value FrontendRequestDecoder#MAX_HEAD} bytes
 *   and has at most {@value FrontendRequestDecoder#MAX_HEADERS} fields ({@code 431});</li>
 *   <li>the request line is three words of visible ASCII separated by single spaces ({@code 400}), as RFC 9112
 *   section 3 draws it: Netty would also split on runs of spaces, tabs and other whitespace;</li>
 *   <li>a field line holds no control character but tab and does not start with whitespace ({@code 400}): no
 *   obsolete line folding, no bare CR that a server behind could read as a line end.</li>
 * </ul>
 * What passes is parsed by Netty. Checks each byte once: it remembers how far it got past the decoder's reader
 * index. {@link #reset()} starts the next head.
 */
final class HeadLimits {
    private static final byte CR = '\r';
    private static final byte LF = '\n';
    private static final byte SP = ' ';
    private static final byte HT = '\t';

    /** Bytes of the head's complete lines so far. */
    private int headBytes;
    /** Complete lines so far, the request line first. */
    private int lines;
    /** Bytes after the decoder's reader index that were checked already (complete lines the decoder has not read). */
    private int checked;
    /** The blank line was seen: the head ended, nothing to check until {@link #reset()}. */
    private boolean ended;

    /** Checks what {@code in} holds beyond what was checked; a refusal, or {@code null} if the head is fine so far. */
    ConnectRejection check(ByteBuf in) {
        if (ended) {
            return null;
        }
        int from = in.readerIndex() + checked;
        int end = in.writerIndex();
        while (true) {
            int lf = from < end ? in.indexOf(from, end, LF) : -1;
            int available = lf < 0 ? end - from : lf - from + 1;
            boolean requestLine = lines == 0;
            if (available > FrontendRequestDecoder.MAX_LINE) {
                return requestLine
                        ? rejection(ProxyResponse.BAD_REQUEST, "request line longer than "
                                + FrontendRequestDecoder.MAX_LINE + " bytes")
                        : rejection(ProxyResponse.HEADERS_TOO_LARGE, "header line longer than "
                                + FrontendRequestDecoder.MAX_LINE + " bytes");
            }
            if (!requestLine && headBytes + available > FrontendRequestDecoder.MAX_HEAD) {
                return rejection(ProxyResponse.HEADERS_TOO_LARGE, "request head larger than "
                        + FrontendRequestDecoder.MAX_HEAD + " bytes");
            }
            if (lf < 0) {
                return null;
            }
            if (available < 2 || in.getByte(lf - 1) != CR) {
                return rejection(ProxyResponse.BAD_REQUEST, "line not terminated by CRLF");
            }
            int length = available - 2;
            headBytes += available;
            checked += available;
            lines++;
            if (requestLine) {
                if (!isRequestLine(in, from, length)) {
                    return rejection(ProxyResponse.BAD_REQUEST, "malformed request line");
                }
            } else if (length == 0) {
                ended = true;
                return null;
            } else if (lines - 1 > FrontendRequestDecoder.MAX_HEADERS) {
                return rejection(ProxyResponse.HEADERS_TOO_LARGE, "more than " + FrontendRequestDecoder.MAX_HEADERS
                        + " header fields");
            } else if (!isFieldLine(in, from, length)) {
                return rejection(ProxyResponse.BAD_REQUEST, "malformed header field (folded, or a control "
                        + "character)");
            }
            from = lf + 1;
        }
    }

    /** The decoder read {@code bytes} more of the head. */
    void consumed(int bytes) {
        checked = Math.max(0, checked - bytes);
    }

    /** Whether complete lines that passed wait for the decoder, or the head ended (a body may follow). */
    boolean hasUnreadLines() {
        return checked > 0 || ended;
    }

    /** Whether complete lines of a head were seen (a head is under way). */
    boolean started() {
        return lines > 0;
    }

    /** The head ended (a request's body or the next head follows): check the next one from scratch. */
    void reset() {
        headBytes = 0;
        lines = 0;
        checked = 0;
        ended = false;
    }

    /** Three words of {@code 0x21–0x7E} separated by single spaces. */
    private static boolean isRequestLine(ByteBuf in, int from, int length) {
        int spaces = 0;
        byte previous = SP; // no leading space
        for (int i = from; i < from + length; i++) {
            byte b = in.getByte(i);
            if (b == SP) {
                if (previous == SP || ++spaces > 2) {
                    return false;
                }
            } else if (b < 0x21 || b > 0x7E) {
                return false;
            }
            previous = b;
        }
        return spaces == 2 && previous != SP;
    }

    /** No leading whitespace (folding), no control character but tab (bytes above 0x7F are obs-text). */
    private static boolean isFieldLine(ByteBuf in, int from, int length) {
        byte first = in.getByte(from);
        if (first == SP || first == HT) {
            return false;
        }
        for (int i = from; i < from + length; i++) {
            byte b = in.getByte(i);
            if (b >= 0 && b < 0x20 && b != HT || b == 0x7F) {
                return false;
            }
        }
        return true;
    }

    private static ConnectRejection rejection(ProxyResponse response, String reason) {
        return new ConnectRejection(response, reason);
    }
}
