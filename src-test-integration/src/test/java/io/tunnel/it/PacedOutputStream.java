package io.tunnel.it;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.concurrent.TimeUnit;

/**
 * Writes {@code total} bytes spread evenly over {@code millis}: after each write it waits until the time that share
 * of the bytes is due. For a test destination's own thread, never an event loop.
 */
final class PacedOutputStream extends FilterOutputStream {
    private static final int CHUNK = 16 * 1024;

    private final long total;
    private final long nanos;
    private final long start = System.nanoTime();
    private long written;

    PacedOutputStream(OutputStream out, long total, long millis) {
        super(out);
        this.total = Math.max(1, total);
        this.nanos = TimeUnit.MILLISECONDS.toNanos(millis);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        for (int done = 0; done < len; ) {
            int n = Math.min(CHUNK, len - done);
            out.write(b, off + done, n);
            out.flush();
            done += n;
            written += n;
            pace();
        }
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    private void pace() throws IOException {
        long due = start + (long) ((double) nanos * written / total);
        long wait = due - System.nanoTime();
        if (wait > 0) {
            try {
                TimeUnit.NANOSECONDS.sleep(wait); // the destination's pace, not a test's wait
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("paced write interrupted");
            }
        }
    }
}
