package io.tunnel.core.rotation;

import io.netty.handler.ssl.SslContext;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * An {@link SslContext} kept current with its PEM files: when a certificate, key or CA file changes, the context is
 * rebuilt (and its material checked) and new connections use the new one; established connections go on untouched.
 * A set that does not load or does not check out is refused: the old context stays, one log line says why, and the
 * {@link Listener} hears of it (a metric counts it).
 *
 * <p>Watching: the directories that hold the files (not the files: an editor writes a new file and renames it over the
 * old one, and Kubernetes updates a Secret volume by swapping its {@code ..data} symlink), with the JDK's
 * {@link WatchService} on a daemon thread of its own; events are coalesced for {@value #SETTLE_MILLIS} ms, then the
 * files' contents are compared with what the current context was built from, so only a real change rebuilds. A check
 * every {@value #RECHECK_SECONDS} s catches what a file system does not report. Nothing here runs on an event loop.
 *
 * <p>The contexts are this class's: a replaced one is released, and the current one on {@link #close()}. A
 * reference-counted context (OpenSSL's {@code OPENSSL_REFCNT}) then lives on as long as an engine built from it, so
 * established connections keep theirs; for any other kind the release does nothing.
 */
public final class ReloadingTls implements AutoCloseable {
    private static final Logger LOG = LogManager.getLogger(ReloadingTls.class);
    /** How long events must stop before the files are read: a rename and a symlink swap come in bursts. */
    static final long SETTLE_MILLIS = 500;
    /** How often the files are compared even without an event. */
    static final long RECHECK_SECONDS = 60;

    /** Builds a context from the files (reading and checking them); throws with one line saying what is wrong. */
    @FunctionalInterface
    public interface Builder {
        SslContext build() throws SSLException;
    }

    /** Told of each reload and each refused set. */
    public interface Listener {
        void reloaded(String name);

        void refused(String name, String reason);
    }

    private final String name;
    private final List<Path> files;
    private final Builder builder;
    private final Listener listener;
    private volatile SslContext current;
    private final SslContext rotating = new RotatingSslContext(() -> current);
    private byte[] fingerprint;
    private byte[] refusedFingerprint;
    private WatchService watcher;
    private Thread thread;
    private boolean closed;

    private ReloadingTls(String name, List<Path> files, Builder builder, Listener listener, SslContext first,
                         byte[] fingerprint) {
        this.name = name;
        this.files = files;
        this.builder = builder;
        this.listener = listener;
        this.current = first;
        this.fingerprint = fingerprint;
    }

    /**
     * Builds the first context (failing as {@code builder} does) and starts watching {@code files}.
     *
     * @param name what the context is for, in log lines and metrics ("frontend", "agent port", "agent")
     */
    public static ReloadingTls start(String name, List<Path> files, Builder builder, Listener listener)
            throws SSLException {
        byte[] fingerprint = fingerprint(files);
        ReloadingTls tls = new ReloadingTls(name, List.copyOf(files), builder, listener, builder.build(),
                fingerprint);
        try {
            tls.watch();
        } catch (SSLException | RuntimeException e) {
            tls.close();
            throw e;
        }
        return tls;
    }

    /** The context new connections use now; any thread. */
    public SslContext current() {
        return current;
    }

    /**
     * A context that always creates engines and handlers from {@link #current()}: give it to a bootstrap once and every
     * new connection uses the newest material.
     */
    public SslContext context() {
        return rotating;
    }

    /** Compares the files with what the current context was built from, and rebuilds if they changed. */
    synchronized void check() {
        if (closed) {
            return;
        }
        byte[] now = fingerprint(files);
        if (Arrays.equals(now, fingerprint) || Arrays.equals(now, refusedFingerprint)) {
            return;
        }
        try {
            SslContext replaced = current;
            current = builder.build();
            ReferenceCountUtil.release(replaced);
            fingerprint = now;
            refusedFingerprint = null;
            LOG.info("TLS material of the {} reloaded: new connections use it, established ones go on", name);
            listener.reloaded(name);
        } catch (SSLException | RuntimeException e) {
            refusedFingerprint = now;
            LOG.error("TLS material of the {} refused, the previous one stays in use: {}", name, e.getMessage());
            listener.refused(name, e.getMessage());
        }
    }

    private void watch() throws SSLException {
        Set<Path> dirs = new LinkedHashSet<>();
        for (Path file : files) {
            Path dir = file.toAbsolutePath().getParent();
            if (dir != null) {
                dirs.add(dir);
            }
        }
        try {
            watcher = FileSystems.getDefault().newWatchService();
            for (Path dir : dirs) {
                dir.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_DELETE,
                        StandardWatchEventKinds.ENTRY_MODIFY);
            }
        } catch (IOException e) {
            throw new SSLException("cannot watch " + dirs + " for changes: " + e.getMessage(), e);
        }
        thread = new DefaultThreadFactory("tls-reload", true).newThread(this::run);
        thread.start();
    }

    private void run() {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                WatchKey key = watcher.poll(RECHECK_SECONDS, TimeUnit.SECONDS);
                while (key != null) {
                    key.pollEvents();
                    key.reset();
                    key = watcher.poll(SETTLE_MILLIS, TimeUnit.MILLISECONDS); // more of the same burst?
                }
                check();
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closed
        }
    }

    /**
     * A digest of the files' contents (symlinks followed); a file that cannot be read counts as its name, so a set
     * with a missing file is refused once, not at every check.
     */
    static byte[] fingerprint(List<Path> files) {
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        for (Path file : files) {
            try {
                sha256.update(Files.readAllBytes(file));
            } catch (IOException e) {
                sha256.update(("unreadable " + file).getBytes(StandardCharsets.UTF_8));
            }
            sha256.update((byte) 0);
        }
        return sha256.digest();
    }

    /** Stops watching and releases the current context; new connections can no longer be given one. */
    @Override
    public synchronized void close() {
        if (thread != null) {
            thread.interrupt();
        }
        if (watcher != null) {
            try {
                watcher.close();
            } catch (IOException e) {
                LOG.debug("closing the watcher of the {}: {}", name, e.toString());
            }
        }
        if (!closed) {
            closed = true;
            ReferenceCountUtil.release(current);
        }
    }
}
