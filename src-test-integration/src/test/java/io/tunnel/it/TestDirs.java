package io.tunnel.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Directories under {@code target/} that outlive a run (so its logs can be read after a failure). */
public final class TestDirs {
    private TestDirs() {
    }

    /** {@code dir}, emptied of what an earlier run left there. */
    public static Path fresh(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> paths = Files.walk(dir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                    try {
                        Files.delete(p);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            }
        }
        return Files.createDirectories(dir);
    }
}
