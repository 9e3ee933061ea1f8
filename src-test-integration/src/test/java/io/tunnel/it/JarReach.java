package io.tunnel.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.spi.ToolProvider;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What our code in a fat jar can reach, by the JDK's jdeps: from every {@code io.tunnel} class, through the classes
 * the jar holds, every reference to a class that is neither in the jar nor in the JDK. A shade filter that removes a
 * class our code refers to, directly or through a library, shows here even on a path no test takes. What is loaded by
 * name (Netty's natives and providers, Log4j's plugins) jdeps cannot see: the tests that run the jars cover that.
 */
final class JarReach {
    /** Our classes: where the search starts. */
    private static final String ROOTS = "io.tunnel.";
    /** {@code   from -> to   where}, the names prefixed with their release in a multi-release jar ({@code 11/a.B}). */
    private static final Pattern REFERENCE =
            Pattern.compile("^\\s+(?:\\d+/)?(\\S+)\\s+->\\s+(?:\\d+/)?(\\S+)\\s+(.+?)\\s*$");
    private static final String NOT_FOUND = "not found";

    /** A class in the jar, reachable from our code, that refers to a class the jar does not hold. */
    record Missing(String from, String to) {
        @Override
        public String toString() {
            return from + " -> " + to;
        }
    }

    private JarReach() {
    }

    /** The references from reachable classes of {@code jar} to classes missing from it. */
    static List<Missing> missing(Path jar) {
        ToolProvider jdeps = ToolProvider.findFirst("jdeps")
                .orElseThrow(() -> new AssertionError("jdeps is missing from this JDK"));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = jdeps.run(new PrintWriter(out), new PrintWriter(err), "-verbose:class", "-filter:none",
                "--multi-release", Integer.toString(Runtime.version().feature()), jar.toString());
        assertThat(exit).as("jdeps %s: %s", jar, err).isZero();

        Map<String, Set<String>> references = new HashMap<>();
        Set<String> notFound = new HashSet<>();
        out.toString().lines().map(REFERENCE::matcher).filter(Matcher::matches).forEach(m -> {
            references.computeIfAbsent(m.group(1), c -> new HashSet<>()).add(m.group(2));
            if (m.group(3).equals(NOT_FOUND)) {
                notFound.add(m.group(2));
            }
        });

        List<Missing> missing = new ArrayList<>();
        Deque<String> pending = new ArrayDeque<>();
        references.keySet().stream().filter(c -> c.startsWith(ROOTS)).forEach(pending::add);
        Set<String> reached = new HashSet<>(pending);
        while (!pending.isEmpty()) {
            String from = pending.poll();
            for (String to : references.getOrDefault(from, Set.of())) {
                if (notFound.contains(to)) {
                    missing.add(new Missing(from, to));
                } else if (references.containsKey(to) && reached.add(to)) {
                    pending.add(to);
                }
            }
        }
        return missing;
    }
}
