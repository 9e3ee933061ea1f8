package io.tunnel.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The resident memory of a process, from {@code /proc/<pid>/status} (Linux). */
public final class Rss {
    private Rss() {
    }

    /** VmRSS of process {@code pid} in MiB. */
    public static long mebibytes(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                String[] fields = line.trim().split("\\s+"); // "VmRSS:", value, "kB"
                return Long.parseLong(fields[1]) / 1024;
            }
        }
        throw new IOException("no VmRSS for process " + pid);
    }
}
