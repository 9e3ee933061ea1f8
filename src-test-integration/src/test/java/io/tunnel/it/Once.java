package io.tunnel.it;

/**
 * A value made on first use, for fixtures several test classes share. A failure to make it is kept and thrown to
 * every later caller too, so a start that failed is reported by each class that needs it, not retried by each.
 */
public final class Once<T> {
    /** Makes the value; may fail. */
    @FunctionalInterface
    public interface Maker<T> {
        T make() throws Exception;
    }

    private final Maker<T> maker;
    private T value;
    private Throwable failure;

    public Once(Maker<T> maker) {
        this.maker = maker;
    }

    /** The value, made now if this is the first call. */
    public synchronized T get() {
        if (value == null && failure == null) {
            try {
                value = maker.make();
            } catch (Exception | Error e) {
                failure = e;
            }
        }
        if (failure != null) {
            throw new IllegalStateException("could not start a shared fixture: " + failure, failure);
        }
        return value;
    }

    /** The value if it was made, else {@code null}: for closing only what was started. */
    public synchronized T ifMade() {
        return value;
    }
}
