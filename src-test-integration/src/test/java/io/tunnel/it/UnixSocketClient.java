package io.tunnel.it;

import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A client of the server's Unix-socket frontend, as kube-apiserver's egress selector is one
 * ({@code EgressSelectorConfiguration}, {@code transport.uds.udsName}): it dials the socket, writes
 * {@code CONNECT <target> HTTP/1.1} with {@code Host: 127.0.0.1}, reads the answer, and from then on speaks to the
 * destination. Blocking, one connection per instance.
 */
public final class UnixSocketClient implements AutoCloseable {
    private final SocketChannel channel;

    private UnixSocketClient(SocketChannel channel) {
        this.channel = channel;
    }

    public static UnixSocketClient connect(Path socket) throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.connect(UnixDomainSocketAddress.of(socket));
            return new UnixSocketClient(channel);
        } catch (IOException e) {
            channel.close();
            throw e;
        }
    }

    /**
     * Sends kube-apiserver's CONNECT for {@code target} and returns what the first read brought: the answer's head, and
     * nothing after it (kube-apiserver refuses a proxy that sends more before the destination spoke).
     */
    public String connectLikeKubeApiserver(String target) throws IOException {
        write("CONNECT " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        return readSome();
    }

    public void write(String text) throws IOException {
        write(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    public void write(byte[] bytes) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
            channel.write(buf);
        }
    }

    /** What one read returns (up to 64 KiB), as text. */
    public String readSome() throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(65_536);
        if (channel.read(buf) < 0) {
            throw new EOFException("the server closed the connection");
        }
        return new String(buf.array(), 0, buf.position(), StandardCharsets.ISO_8859_1);
    }

    /** Everything until the server closes its side. */
    public String readToEnd() throws IOException {
        StringBuilder text = new StringBuilder();
        ByteBuffer buf = ByteBuffer.allocate(65_536);
        while (channel.read(buf.clear()) >= 0) {
            text.append(new String(buf.array(), 0, buf.position(), StandardCharsets.ISO_8859_1));
        }
        return text.toString();
    }

    /** Ends what this client sends; the other direction stays open. */
    public void shutdownOutput() throws IOException {
        channel.shutdownOutput();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
