package io.tunnel.it.netns;

import io.tunnel.it.Await;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A non-Java helper process (dnsmasq, a python service or client) started through {@code scripts/lib/netns.sh},
 * which execs into {@code ip netns exec}, which execs the program: the PID held here is the program's own, so
 * {@link #stop()} reaches it. Output goes to a log file; the moment of exit is recorded as it happens.
 */
final class NsProcess implements AutoCloseable {
    private final String name;
    private final Process process;
    private final Path log;
    private final CompletableFuture<Long> exitedAtNanos;

    private NsProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.exitedAtNanos = process.onExit().thenApply(p -> System.nanoTime());
    }

    static NsProcess start(String name, Path logDir, java.util.Map<String, String> env, List<String> command)
            throws IOException {
        Files.createDirectories(logDir);
        Path log = logDir.resolve(name + ".log");
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().keySet().removeIf(k -> k.toLowerCase().endsWith("_proxy"));
        builder.environment().putAll(env);
        return new NsProcess(name, builder.start(), log);
    }

    String output() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** Waits until the output contains {@code text}; fails at once if the process exits first. */
    void awaitOutput(String text, Duration timeout) {
        Await.until(name + " to print \"" + text + "\"", timeout, () -> {
            if (output().contains(text)) {
                return true;
            }
            if (!process.isAlive()) {
                throw new AssertionError(name + " exited with " + process.exitValue() + ":\n" + output());
            }
            return false;
        });
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Waits for the process to end by itself; returns {@link System#nanoTime()} at its exit. */
    long awaitExit(Duration timeout) {
        Await.until(name + " to exit", timeout, () -> !process.isAlive());
        return exitedAtNanos.join();
    }

    /** SIGTERM, then SIGKILL if it lingers. */
    void stop() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop();
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + ")";
    }
}
