package io.tunnel.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.tunnel.core.transport.Transports;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Unix socket is made with its mode before anyone can connect, never replaces a file it was not allowed to, and
 * is gone after close; each client is named by the socket's path and its process.
 */
class UdsFrontendTest {
    private static EventLoopGroup group;

    @TempDir
    Path dir;

    @BeforeAll
    static void startLoops() {
        group = Transports.newGroup(1, "uds-test");
    }

    @AfterAll
    static void stopLoops() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Answers each connection with the name FrontendClient gave its client, then closes it. */
    @ChannelHandler.Sharable
    private static final class NameTeller extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ByteBuf name = ctx.alloc().buffer().writeBytes(FrontendClient.describe(ctx.channel())
                    .getBytes(StandardCharsets.UTF_8));
            ctx.writeAndFlush(name).addListener(f -> ctx.close());
        }
    }

    private UdsFrontend bind(Path path, int mode, boolean deleteExisting) throws InterruptedException {
        return UdsFrontend.bind(new UdsConfig(path, mode, deleteExisting), group, group, new NameTeller());
    }

    private static String firstAnswer(Path path) throws IOException {
        try (SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            client.connect(UnixDomainSocketAddress.of(path));
            ByteBuffer buf = ByteBuffer.allocate(512);
            while (client.read(buf) >= 0) {
                // until the server closes
            }
            return new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void theSocketHasItsModeServesClientsAndIsGoneAfterClose() throws Exception {
        Path path = dir.resolve("tunnel.sock");
        try (UdsFrontend uds = bind(path, 0620, false)) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS)))
                    .isEqualTo("rw--w----");
            assertThat(Files.list(dir)).as("the private directory it was made in is gone").containsExactly(path);
            assertThat(firstAnswer(path)).isEqualTo("uds:" + path + "(pid=" + ProcessHandle.current().pid()
                    + ",uid=" + Files.getAttribute(path, "unix:uid") + ")");
        }
        assertThat(path).doesNotExist();
    }

    @Test
    void aFileInTheWayKeepsTheServerFromStarting() throws Exception {
        Path path = Files.writeString(dir.resolve("tunnel.sock"), "not a socket");
        assertThatThrownBy(() -> bind(path, 0600, false)).isInstanceOf(IllegalStateException.class)
                .hasMessage(path + " exists (is another server running?): remove it, or start with "
                        + "--delete-existing-uds-file");
        assertThatThrownBy(() -> bind(path, 0600, true)).isInstanceOf(IllegalStateException.class)
                .hasMessage(path + " exists and is not a socket: not deleted");
        assertThat(Files.readString(path)).isEqualTo("not a socket");
        assertThat(Files.list(dir)).containsExactly(path);
    }

    @Test
    void aSocketLeftByAnotherServerIsReplacedWhenAllowed() throws Exception {
        Path path = dir.resolve("tunnel.sock");
        try (SocketChannel leftover = SocketChannel.open(StandardProtocolFamily.UNIX).bind(
                UnixDomainSocketAddress.of(path))) {
            assertThatThrownBy(() -> bind(path, 0600, false)).hasMessageContaining("exists");
            try (UdsFrontend uds = bind(path, 0600, true)) {
                assertThat(firstAnswer(path)).startsWith("uds:" + path);
            }
        }
    }

    @Test
    void closingLeavesASocketThatReplacedItsOwn() throws Exception {
        Path path = dir.resolve("tunnel.sock");
        UdsFrontend first = bind(path, 0600, false);
        try (UdsFrontend second = bind(path, 0600, true)) {
            first.close();
            assertThat(firstAnswer(path)).as("the second server's socket is still there").startsWith("uds:");
        }
        assertThat(path).doesNotExist();
    }
}
