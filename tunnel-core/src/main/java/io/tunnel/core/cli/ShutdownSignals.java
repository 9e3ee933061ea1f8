package io.tunnel.core.cli;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import sun.misc.Signal;

/**
 * The signals that stop a long-running program, SIGTERM and SIGINT, as a queue its main thread takes them from. The
 * JVM's own handling of both (shutdown hooks) is replaced, so a second signal can be told from the first; a signal
 * the process was started with ignored (SIGINT under {@code nohup}) stays ignored. Tests feed signals with
 * {@link #raise}.
 */
public final class ShutdownSignals {
    private static final Logger LOG = LogManager.getLogger(ShutdownSignals.class);
    /** Signal numbers on Linux, for the exit code of a forced stop (128 + the number, as a shell reports it). */
    public static final int SIGINT = 2;
    public static final int SIGTERM = 15;

    /** Not a signal: what {@link Cli} queues when the drain has ended, so one take waits for either. */
    static final Received DRAINED = new Received("drained", 0);

    private final BlockingQueue<Received> received = new LinkedBlockingQueue<>();

    private ShutdownSignals() {
    }

    /** A signal that arrived: its name without {@code SIG} and its number. */
    public record Received(String name, int number) {
        @Override
        public String toString() {
            return "SIG" + name;
        }
    }

    /** Signals delivered only through {@link #raise}: for tests. */
    public static ShutdownSignals manual() {
        return new ShutdownSignals();
    }

    /** Handles SIGTERM and SIGINT from now on (instead of the JVM's shutdown). */
    public static ShutdownSignals install() {
        ShutdownSignals signals = new ShutdownSignals();
        signals.handle("TERM");
        signals.handle("INT");
        return signals;
    }

    // sun.misc.Signal (module jdk.unsupported): the JDK's only way to see a second SIGTERM. javac warns about it.
    private void handle(String name) {
        try {
            Signal.handle(new Signal(name), s -> raise(new Received(s.getName(), s.getNumber())));
        } catch (IllegalArgumentException e) {
            LOG.warn("cannot handle SIG{} ({}): the JVM's default applies", name, e.getMessage());
        }
    }

    /** Delivers a signal as if the process had received it. */
    public void raise(Received signal) {
        received.add(signal);
    }

    /** Blocks until a signal arrives. */
    Received take() throws InterruptedException {
        return received.take();
    }
}
