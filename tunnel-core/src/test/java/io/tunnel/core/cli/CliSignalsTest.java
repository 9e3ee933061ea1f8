package io.tunnel.core.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The stop of a long-running program: the first SIGTERM or SIGINT drains, the service is closed once drained and the
 * code is 0; a second signal closes it at once with 128 + its number. Signals are fed by hand.
 */
class CliSignalsTest {
    private static final ShutdownSignals.Received TERM = new ShutdownSignals.Received("TERM", ShutdownSignals.SIGTERM);
    private static final ShutdownSignals.Received INT = new ShutdownSignals.Received("INT", ShutdownSignals.SIGINT);

    private final ShutdownSignals signals = ShutdownSignals.manual();
    private final List<String> calls = new CopyOnWriteArrayList<>();
    private final CountDownLatch draining = new CountDownLatch(1);
    private final CompletableFuture<Void> drained = new CompletableFuture<>();

    /** A service that records its calls and drains until the test says so. */
    private final class Service implements AutoCloseable, Drainable {
        @Override
        public CompletionStage<?> drain() {
            calls.add("drain");
            draining.countDown();
            return drained;
        }

        @Override
        public void close() {
            calls.add("close");
        }
    }

    private CompletableFuture<Integer> serve(AutoCloseable service) {
        return CompletableFuture.supplyAsync(() -> Cli.serve(CliTest.class, service, signals));
    }

    @Test
    void theFirstSignalDrainsAndTheServiceIsClosedOnceDrained() throws Exception {
        CompletableFuture<Integer> code = serve(new Service());
        signals.raise(TERM);
        assertThat(draining.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(code).isNotDone();
        assertThat(calls).containsExactly("drain");

        drained.complete(null);
        assertThat(code.get(10, TimeUnit.SECONDS)).isEqualTo(Cli.EXIT_OK);
        assertThat(calls).containsExactly("drain", "close");
    }

    @Test
    void aSecondSignalStopsAtOnceWith128PlusItsNumber() throws Exception {
        CompletableFuture<Integer> code = serve(new Service());
        signals.raise(TERM);
        assertThat(draining.await(10, TimeUnit.SECONDS)).isTrue();
        signals.raise(INT);

        assertThat(code.get(10, TimeUnit.SECONDS)).isEqualTo(130);
        assertThat(calls).containsExactly("drain", "close");
        assertThat(drained).isNotDone();
    }

    @Test
    void aSecondSigtermExits143() throws Exception {
        CompletableFuture<Integer> code = serve(new Service());
        signals.raise(INT);
        assertThat(draining.await(10, TimeUnit.SECONDS)).isTrue();
        signals.raise(TERM);
        assertThat(code.get(10, TimeUnit.SECONDS)).isEqualTo(143);
    }

    @Test
    void aServiceWithoutADrainIsClosedAtTheFirstSignal() throws Exception {
        CompletableFuture<Integer> code = serve(() -> calls.add("close"));
        signals.raise(TERM);
        assertThat(code.get(10, TimeUnit.SECONDS)).isEqualTo(Cli.EXIT_OK);
        assertThat(calls).containsExactly("close");
    }

    @Test
    void aDrainThatFailsStillEndsInAClose() throws Exception {
        drained.completeExceptionally(new IllegalStateException("broken"));
        CompletableFuture<Integer> code = serve(new Service());
        signals.raise(TERM);
        assertThat(code.get(10, TimeUnit.SECONDS)).isEqualTo(Cli.EXIT_OK);
        assertThat(calls).containsExactly("drain", "close");
    }
}
