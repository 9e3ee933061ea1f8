package io.tunnel.agent.sidecar;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Runs commands as child processes of the JVM. Both output streams are read on threads of their own while the
 * caller waits, so a command that fills one pipe cannot stall, and one that hangs is killed after the timeout.
 */
public final class ProcessCommandRunner implements CommandRunner {
    /** Longest time one {@code ip} or {@code iptables} call may take; iptables waits up to 5 s of it for its lock. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    /** What is kept of each output stream; the rest is read and dropped. */
    static final int MAX_OUTPUT_BYTES = 1024 * 1024;

    private final Duration timeout;

    public ProcessCommandRunner(Duration timeout) {
        this.timeout = timeout;
    }

    @Override
    public Result run(List<String> command) throws SidecarException {
        String program = command.get(0);
        Process process;
        try {
            process = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.PIPE).start();
            process.getOutputStream().close();
        } catch (IOException e) {
            throw new SidecarException("cannot run " + program + ": " + e.getMessage(), e);
        }
        CompletableFuture<String> stdout = drain(process.getInputStream(), program + "-stdout");
        CompletableFuture<String> stderr = drain(process.getErrorStream(), program + "-stderr");
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new SidecarException(program + " did not finish within " + timeout.toSeconds() + " s: "
                        + String.join(" ", command));
            }
            return new Result(process.exitValue(), stdout.get(), stderr.get());
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new SidecarException("interrupted while running " + program, e);
        } catch (ExecutionException e) {
            throw new SidecarException("cannot read the output of " + program + ": " + e.getCause(), e);
        }
    }

    /** Reads {@code in} to its end on a daemon thread, keeping the first {@link #MAX_OUTPUT_BYTES}. */
    private static CompletableFuture<String> drain(InputStream in, String name) {
        CompletableFuture<String> text = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (in) {
                byte[] kept = in.readNBytes(MAX_OUTPUT_BYTES);
                in.transferTo(OutputStream.nullOutputStream());
                text.complete(new String(kept, StandardCharsets.UTF_8));
            } catch (IOException e) {
                text.completeExceptionally(e);
            }
        }, name);
        reader.setDaemon(true);
        reader.start();
        return text;
    }
}
