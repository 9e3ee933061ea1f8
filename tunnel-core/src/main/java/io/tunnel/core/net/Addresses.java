package io.tunnel.core.net;

import io.netty.util.NetUtil;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/** Socket addresses as log lines and pages show them: {@code 10.0.0.5:8080}, {@code [fd00::5]:8080}, no leading slash. */
public final class Addresses {
    private Addresses() {
    }

    /** {@code address} as {@code host:port} (IPv6 in brackets); another kind of address as it prints itself. */
    public static String text(SocketAddress address) {
        if (address instanceof InetSocketAddress inet) {
            return inet.isUnresolved() ? inet.getHostString() + ":" + inet.getPort()
                    : NetUtil.toSocketAddressString(inet);
        }
        return String.valueOf(address);
    }
}
