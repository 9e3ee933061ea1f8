package io.tunnel.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The flags a jar accepts, read from its {@code --help} as a process prints it: each flag line is
 * {@code "  --name <placeholder>   description (default X)"}, the description possibly wrapped onto further lines.
 */
public final class JarHelp {
    private static final Pattern FLAG_LINE =
            Pattern.compile("^  (--[a-z0-9-]+)(?:, -[a-zA-Z])?(?: <([^>]+)>)?(?:\\s{2,}(.*))?$");
    private static final Pattern CONTINUATION = Pattern.compile("^\\s{10,}(\\S.*)$");
    private static final Pattern DEFAULT = Pattern.compile("\\(default ([^)]+)\\)");

    /** One flag: what its value is ({@code file}, {@code n}, {@code duration}...; null for a switch), its default. */
    public record Flag(String name, String placeholder, String description) {
        public boolean takesValue() {
            return placeholder != null;
        }

        public boolean takesFile() {
            return "file".equals(placeholder);
        }

        public Optional<String> defaultValue() {
            Matcher m = DEFAULT.matcher(description);
            return m.find() ? Optional.of(m.group(1)) : Optional.empty();
        }
    }

    private final Path jar;
    private final Map<String, Flag> flags;

    private JarHelp(Path jar, Map<String, Flag> flags) {
        this.jar = jar;
        this.flags = flags;
    }

    /** Runs {@code java -jar jar --help} and reads its flags. */
    public static JarHelp of(Path jar) {
        Commands.Result r = Commands.java(Duration.ofSeconds(30), jar, "--help");
        assertThat(r.exitCode()).as("%s --help: %s", jar, r).isZero();
        Map<String, Flag> flags = new LinkedHashMap<>();
        String name = null;
        String placeholder = null;
        StringBuilder description = new StringBuilder();
        for (String line : r.stdout().split("\n", -1)) {
            Matcher flag = FLAG_LINE.matcher(line);
            Matcher more = CONTINUATION.matcher(line);
            if (flag.matches()) {
                put(flags, name, placeholder, description);
                name = flag.group(1);
                placeholder = flag.group(2);
                description = new StringBuilder(flag.group(3) == null ? "" : flag.group(3));
            } else if (name != null && more.matches()) {
                description.append(description.length() == 0 ? "" : " ").append(more.group(1));
            } else {
                put(flags, name, placeholder, description);
                name = null;
            }
        }
        put(flags, name, placeholder, description);
        assertThat(flags).as("flags in the --help of %s", jar).hasSizeGreaterThan(5);
        return new JarHelp(jar, flags);
    }

    private static void put(Map<String, Flag> flags, String name, String placeholder, StringBuilder description) {
        if (name != null) {
            flags.put(name, new Flag(name, placeholder, description.toString()));
        }
    }

    public Path jar() {
        return jar;
    }

    public Optional<Flag> flag(String name) {
        return Optional.ofNullable(flags.get(name));
    }

    public Map<String, Flag> flags() {
        return flags;
    }
}
