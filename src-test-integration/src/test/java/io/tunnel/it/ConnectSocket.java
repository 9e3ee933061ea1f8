package io.tunnel.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** A raw socket to the plaintext frontend that has sent CONNECT and read the proxy's response head. */
public final class ConnectSocket {
    private ConnectSocket() {
    }

    /** Connects, sends {@code CONNECT target} and returns the socket positioned after the response head. */
    public static Socket open(int proxyPort, String target, StringBuilder responseHead) throws IOException {
        return open(proxyPort, target, "", responseHead);
    }

    /**
     * Like {@link #open(int, String, StringBuilder)}, with further header lines ({@code "Tunnel-Agent: agent-1\r\n"}).
     */
    public static Socket open(int proxyPort, String target, String headerLines, StringBuilder responseHead)
            throws IOException {
        Socket socket = new Socket("127.0.0.1", proxyPort);
        socket.setSoTimeout(30_000);
        socket.getOutputStream().write(("CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n" + headerLines
                + "\r\n").getBytes(StandardCharsets.US_ASCII));
        responseHead.append(readHead(socket.getInputStream()));
        return socket;
    }

    /** Opens a tunnel and fails unless the proxy answered 200. */
    public static Socket open(int proxyPort, String target) throws IOException {
        StringBuilder head = new StringBuilder();
        Socket socket = open(proxyPort, target, head);
        if (!head.toString().startsWith("HTTP/1.1 200 ")) {
            socket.close();
            throw new IOException("CONNECT " + target + " refused: " + head);
        }
        return socket;
    }

    /** Reads up to and including the blank line that ends a response head. */
    public static String readHead(InputStream in) throws IOException {
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
        return head.toString(StandardCharsets.US_ASCII);
    }
}
