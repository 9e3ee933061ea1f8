package io.tunnel.core.tls;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/** Real ClientHellos, as the JDK's TLS client sends them first, for the SNI frontend's tests. */
public final class ClientHellos {
    /** Bytes of ALPN protocol names that make a ClientHello larger than the SNI frontend reads (16 KiB). */
    private static final int LARGE_ALPN_BYTES = 20_000;

    private ClientHellos() {
    }

    /** The first bytes a JDK TLS client sends for {@code serverName} ({@code null}: no SNI extension). */
    public static byte[] of(String serverName) {
        return hello(serverName, null);
    }

    /** A ClientHello of about 20 KB (a long ALPN list), in two records. */
    public static byte[] large(String serverName) {
        String[] protocols = new String[LARGE_ALPN_BYTES / 200];
        for (int i = 0; i < protocols.length; i++) {
            protocols[i] = "p".repeat(195) + i;
        }
        return hello(serverName, protocols);
    }

    /**
     * The same handshake bytes in records of at most {@code size} bytes each: a ClientHello split across several TLS
     * records, as RFC 8446 §5.1 allows.
     */
    public static byte[] inRecords(byte[] hello, int size) {
        int length = ((hello[3] & 0xff) << 8) | (hello[4] & 0xff);
        byte[] body = Arrays.copyOfRange(hello, 5, 5 + length);
        ByteBuffer out = ByteBuffer.allocate(body.length + 5 * (body.length / size + 1));
        for (int at = 0; at < body.length; at += size) {
            int n = Math.min(size, body.length - at);
            out.put(hello, 0, 3).putShort((short) n).put(body, at, n);
        }
        return Arrays.copyOf(out.array(), out.position());
    }

    private static byte[] hello(String serverName, String[] protocols) {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, null, null);
            SSLEngine engine = context.createSSLEngine();
            engine.setUseClientMode(true);
            SSLParameters parameters = engine.getSSLParameters();
            parameters.setServerNames(serverName == null ? List.of() : List.of(new SNIHostName(serverName)));
            if (protocols != null) {
                parameters.setApplicationProtocols(protocols);
            }
            engine.setSSLParameters(parameters);
            engine.beginHandshake();
            ByteBuffer out = ByteBuffer.allocate(64 * 1024);
            do {
                SSLEngineResult result = engine.wrap(ByteBuffer.allocate(0), out);
                if (result.getStatus() != SSLEngineResult.Status.OK) {
                    throw new IllegalStateException("wrap: " + result);
                }
            } while (engine.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_WRAP);
            return Arrays.copyOf(out.array(), out.position());
        } catch (SSLException e) {
            throw new IllegalStateException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
