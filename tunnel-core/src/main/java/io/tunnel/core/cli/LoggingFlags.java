package io.tunnel.core.cli;

import com.beust.jcommander.Parameter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;

/**
 * The logging flags every long-running program takes: the level of its own log lines, and an external log4j2
 * configuration that replaces the built-in one (appenders, patterns, files: anything log4j2 can do).
 */
@FlagGroup("Logging")
public final class LoggingFlags {
    private static final List<String> LEVELS = List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL", "OFF");

    @Parameter(names = "--log-level", description = "Level of the log (TRACE, DEBUG, INFO, WARN, ERROR, OFF); the "
            + "access log (logger tunnel.access) stays at INFO unless the level is higher")
    public String level = "INFO";

    @Parameter(names = "--log-config", converter = PathConverter.class,
            description = "A log4j2 configuration file (XML, JSON or properties) to use instead of the built-in one")
    public Path config;

    /** Adds what is wrong with these flags to {@code problems}. */
    public void check(List<String> problems) {
        if (!LEVELS.contains(level.toUpperCase(Locale.ROOT))) {
            problems.add("--log-level must be one of " + String.join(", ", LEVELS));
        }
        if (config == null) {
            return;
        }
        if (!Files.isReadable(config)) {
            problems.add("--log-config " + config + " cannot be read");
        } else if (isYaml(config)) {
            // log4j2 reads YAML only with Jackson's YAML module, which the jars do not carry; it would try XML instead
            problems.add("--log-config " + config + ": YAML is not supported here; use XML, JSON or properties");
        }
    }

    private static boolean isYaml(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".yaml") || name.endsWith(".yml");
    }

    /** Applies the flags to log4j2: the external configuration first, then the level. */
    public void apply() {
        if (config != null) {
            Configurator.reconfigure(config.toUri());
        }
        Level rootLevel = Level.valueOf(level.toUpperCase(Locale.ROOT));
        if (config == null || !level.equalsIgnoreCase("INFO")) {
            Configurator.setRootLevel(rootLevel);
        }
        if (rootLevel.isMoreSpecificThan(Level.WARN)) {
            Configurator.setLevel("tunnel.access", rootLevel);
        }
    }
}
