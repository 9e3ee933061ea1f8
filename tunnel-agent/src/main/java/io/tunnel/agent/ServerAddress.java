package io.tunnel.agent;

import io.netty.util.NetUtil;

/** One address the agent dials: a host name or IP literal (checked against the server's certificate) and a port. */
record ServerAddress(String host, int port) {
    @Override
    public String toString() {
        return NetUtil.toSocketAddressString(host, port);
    }
}
