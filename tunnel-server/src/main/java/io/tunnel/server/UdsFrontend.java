package io.tunnel.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.unix.DomainSocketAddress;
import io.tunnel.core.link.LinkConstants;
import io.tunnel.core.transport.Transports;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Objects;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * The frontend on a Unix domain socket ({@link UdsConfig}), served by the frontend's own pipeline in plaintext: who may
 * connect is what the socket file's mode allows. Epoll only (Netty has domain sockets on its native transports).
 *
 * <p>The socket is bound in a new directory only this process can enter, given its mode there, and only then renamed
 * to its path, so nobody can connect while the mode is still the umask's. A file already at the path is kept (the
 * server refuses to start) unless {@link UdsConfig#deleteExisting()} allows deleting it, and then only if it is a
 * socket. At {@link #close()} the file is removed if it is still this server's.
 */
final class UdsFrontend implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(UdsFrontend.class);
    /** {@code S_IFMT} and {@code S_IFSOCK} of Linux's {@code stat.h}. */
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;
    /** The socket's name inside its private directory. */
    private static final String BIND_NAME = "s";

    private final Path path;
    private final Channel channel;
    private final Object fileKey;

    private UdsFrontend(Path path, Channel channel, Object fileKey) {
        this.path = path;
        this.channel = channel;
        this.fileKey = fileKey;
    }

    /**
     * Makes the socket and serves {@code frontend} on it, with {@code boss} accepting and {@code workers} serving.
     * Blocking, for a main thread.
     *
     * @throws IllegalStateException why it could not, in one line: no epoll, a file in the way, a path too long, ...
     */
    static UdsFrontend bind(UdsConfig config, EventLoopGroup boss, EventLoopGroup workers, ChannelHandler frontend)
            throws InterruptedException {
        Path path = config.path();
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(boss, workers)
                .channel(Transports.serverDomainSocketChannel(workers))
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.MAX_MESSAGES_PER_READ, LinkConstants.STREAM_READS_PER_BURST)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        FrontendClient.nameUdsClient(ch, path);
                        ch.pipeline().addLast(frontend);
                    }
                });
        try {
            removeLeftover(config);
            Path dir = Files.createTempDirectory(path.getParent(), ".uds-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            try {
                Path bound = dir.resolve(BIND_NAME);
                if (bound.toString().getBytes(StandardCharsets.UTF_8).length > UdsConfig.MAX_PATH_BYTES) {
                    throw new IllegalStateException("cannot make the Unix socket " + path + ": the path of its "
                            + "directory is too long (the socket is made in a new directory there first)");
                }
                Channel channel = bind(bootstrap, path, bound);
                try {
                    Files.setPosixFilePermissions(bound, config.permissions());
                    Files.move(bound, path, StandardCopyOption.ATOMIC_MOVE);
                    return new UdsFrontend(path, channel, fileKey(path));
                } catch (IOException | RuntimeException e) {
                    channel.close().syncUninterruptibly();
                    throw e;
                }
            } finally {
                Files.deleteIfExists(dir.resolve(BIND_NAME));
                Files.delete(dir);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot make the Unix socket " + path + ": " + e, e);
        }
    }

    private static Channel bind(ServerBootstrap bootstrap, Path path, Path bound) throws InterruptedException {
        ChannelFuture future = bootstrap.bind(new DomainSocketAddress(bound.toString())).await();
        if (!future.isSuccess()) {
            throw new IllegalStateException("cannot bind the Unix socket " + path + ": "
                    + future.cause().getMessage(), future.cause());
        }
        return future.channel();
    }

    /** Deletes a socket left at the configured path if allowed; throws if a file is in the way. */
    private static void removeLeftover(UdsConfig config) throws IOException {
        Path path = config.path();
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!config.deleteExisting()) {
            throw new IllegalStateException(path + " exists (is another server running?): remove it, or start with "
                    + "--delete-existing-uds-file");
        }
        int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        if ((mode & S_IFMT) != S_IFSOCK) {
            throw new IllegalStateException(path + " exists and is not a socket: not deleted");
        }
        Files.delete(path);
        LOG.info("deleted the socket file {} left by an earlier server (--delete-existing-uds-file)", path);
    }

    private static Object fileKey(Path path) throws IOException {
        return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
    }

    Path path() {
        return path;
    }

    /** Stops accepting (a drain); the socket file stays until {@link #close()}. Any thread, does not block. */
    void stopAccepting() {
        channel.close();
    }

    /** Stops accepting and removes the socket file, unless another server's socket replaced it meanwhile. */
    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        try {
            if (Objects.equals(fileKey(path), fileKey)) {
                Files.delete(path);
            }
        } catch (IOException e) {
            LOG.debug("socket file {} not deleted: {}", path, e.toString());
        }
    }
}
