package io.tunnel.it;

import io.tunnel.client.ProxyResponseHead;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A raw socket to the plaintext frontend that has sent CONNECT and read the proxy's response head, with the client
 * library's reader of that head ({@link ProxyResponseHead}).
 */
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
        if (!established(head.toString())) {
            socket.close();
            throw new IOException("CONNECT " + target + " refused: " + head);
        }
        return socket;
    }

    /** Reads up to and including the blank line that ends a response head (at most 8 KiB). */
    public static String readHead(InputStream in) throws IOException {
        return ProxyResponseHead.readText(in);
    }

    private static boolean established(String head) {
        try {
            return ProxyResponseHead.parse(head).isEstablished();
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
