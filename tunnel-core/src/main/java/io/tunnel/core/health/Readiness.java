package io.tunnel.core.health;

/** Whether a process takes work, and if not, why: the answer of {@code /readyz}. Called on the health port's loop. */
@FunctionalInterface
public interface Readiness {
    /** Why the process is not ready, in a few words for an operator; {@code null} when it is ready. */
    String notReadyBecause();
}
