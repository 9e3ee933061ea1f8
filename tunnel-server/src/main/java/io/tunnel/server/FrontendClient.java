package io.tunnel.server;

import io.netty.channel.Channel;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.unix.PeerCredentials;
import io.netty.util.AttributeKey;
import java.io.IOException;
import java.nio.file.Path;

/**
 * How log lines and the access log name the client of a connection: its address and port, or, on the Unix socket,
 * {@code uds:<socket path>(pid=<pid>,uid=<uid>)} with the process and user that connected (the kernel's
 * {@code SO_PEERCRED}), since such a client has no address of its own.
 */
final class FrontendClient {
    private static final AttributeKey<String> NAME = AttributeKey.valueOf(FrontendClient.class, "name");

    private FrontendClient() {
    }

    /** The client of {@code channel}, for a log line. */
    static String describe(Channel channel) {
        String name = channel.attr(NAME).get();
        return name != null ? name : String.valueOf(channel.remoteAddress());
    }

    /** Names the client of a connection accepted on the Unix socket at {@code socket}; once, when it is accepted. */
    static void nameUdsClient(Channel channel, Path socket) {
        String name = "uds:" + socket;
        if (channel instanceof EpollDomainSocketChannel uds) {
            try {
                PeerCredentials peer = uds.peerCredentials();
                name += "(pid=" + peer.pid() + ",uid=" + peer.uid() + ")";
            } catch (IOException e) {
                // Closed already: the path alone.
            }
        }
        channel.attr(NAME).set(name);
    }
}
