package io.tunnel.pki;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the {@code openssl} command line with a bounded wait. */
final class Openssl {

    static final Path BINARY = Path.of("/usr/bin/openssl");
    private static final long TIMEOUT_SECONDS = 30;

    /** What one run printed (stdout and stderr together) and its exit code. */
    record Result(int exitCode, String output) {
    }

    private Openssl() {
    }

    static boolean isAvailable() {
        return Files.isExecutable(BINARY);
    }

    static Result run(Object... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(BINARY.toString());
        for (Object arg : args) {
            command.add(arg.toString());
        }
        Path output = Files.createTempFile("openssl", ".out");
        try {
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .start();
            boolean exited = process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            if (!exited) {
                process.destroyForcibly().waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            }
            assertThat(exited).as("openssl %s exits within %d s", command, TIMEOUT_SECONDS).isTrue();
            return new Result(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(output);
        }
    }
}
