package io.tunnel.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One of our jars running as a child process, output captured to a file. Netty's paranoid leak detection is on,
 * and {@link #close()} fails if the process reported a leak. A process that serves several tests (see
 * {@link SharedTunnels}) logs for all of them: a test reads what it caused after a {@link #mark()}.
 */
public final class JavaProcess implements AutoCloseable {
    private final String name;
    private final Process process;
    private final Path log;

    private JavaProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /** Starts {@code java -jar jar args...}, optionally prefixed by {@code wrapper} (e.g. {@code ip netns exec}). */
    public static JavaProcess start(String name, Path jar, Path logDir, List<String> wrapper, List<String> args)
            throws IOException {
        List<String> command = new ArrayList<>(wrapper);
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx512m");
        command.add("-Dio.netty.leakDetection.level=paranoid");
        command.add("-jar");
        command.add(jar.toString());
        command.addAll(args);
        Files.createDirectories(logDir);
        Path log = logDir.resolve(name + ".log");
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        return new JavaProcess(name, process, log);
    }

    public static JavaProcess start(String name, Path jar, Path logDir, List<String> args) throws IOException {
        return start(name, jar, logDir, List.of(), args);
    }

    public String output() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** A position in the output: what is logged from here on, for {@link #outputSince} and {@link #awaitLogSince}. */
    public int mark() {
        return output().length();
    }

    /** The output after {@code mark}. */
    public String outputSince(int mark) {
        String output = output();
        return output.substring(Math.min(mark, output.length()));
    }

    /** Waits until the output matches {@code regex}; returns the match. */
    public Matcher awaitLog(String regex, Duration timeout) {
        return awaitLogSince(0, regex, timeout);
    }

    /** Waits until the output after {@code mark} matches {@code regex}; returns the match. */
    public Matcher awaitLogSince(int mark, String regex, Duration timeout) {
        Pattern pattern = Pattern.compile(regex);
        Matcher[] found = new Matcher[1];
        Await.until(name + " to log /" + regex + "/", timeout, () -> {
            Matcher m = pattern.matcher(outputSince(mark));
            if (m.find()) {
                found[0] = m;
                return true;
            }
            if (!process.isAlive()) {
                throw new AssertionError(name + " exited with " + process.exitValue() + ":\n" + output());
            }
            return false;
        });
        return found[0];
    }

    /** Counts lines matching {@code regex} in the output. */
    public long countLog(String regex) {
        Pattern pattern = Pattern.compile(regex);
        return output().lines().filter(l -> pattern.matcher(l).find()).count();
    }

    /** Fails if the process reported a Netty buffer leak after {@code mark}. */
    public void assertNoLeakSince(int mark) {
        assertThat(outputSince(mark)).as(name + " reported a Netty buffer leak").doesNotContain("LEAK:");
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    /** Sends {@code signal} ({@code STOP}, {@code CONT}, ...) with kill(1). */
    public void signal(String signal) {
        Commands.Result r = Commands.run(Duration.ofSeconds(5), List.of("kill", "-" + signal,
                Long.toString(process.pid())));
        assertThat(r.exitCode()).as("kill -%s %s: %s", signal, this, r).isZero();
    }

    /** SIGKILL: no shutdown hook, no FIN from a graceful close. */
    public void kill() {
        process.destroyForcibly();
        waitFor();
    }

    /** SIGTERM, then the exit code. */
    public int stop() {
        process.destroy();
        return waitFor();
    }

    public int waitFor() {
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return process.exitValue();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            stop();
        }
        assertNoLeakSince(0);
    }

    public Path log() {
        return log;
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + ")";
    }
}
