package io.tunnel.core.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.beust.jcommander.Parameter;
import com.beust.jcommander.ParametersDelegate;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Parsing, --help, --version and usage errors as every long-running program shows them. */
class CliTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @FlagGroup("Frontend")
    static final class Frontend {
        @Parameter(names = "--port", description = "Port to listen on")
        int port = 8090;

        @Parameter(names = "--cert", required = true, converter = PathConverter.class, description = "Certificate")
        Path cert;

        @Parameter(names = "--timeout", converter = DurationConverter.class, description = "How long to wait")
        Duration timeout = Duration.ofMillis(1500);

        @ParametersDelegate
        final LinkFlags link = new LinkFlags();
    }

    private OptionalInt parse(Frontend flags, String... args) {
        return Cli.parse("prog", args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), new Cli.HelpFlag(), flags);
    }

    @Test
    void helpListsRequiredFlagsFirstThenGroupsWithDefaultsAsTheFlagsTakeThem() {
        assertThat(parse(new Frontend(), "--help")).hasValue(Cli.EXIT_OK);
        String help = out.toString(StandardCharsets.UTF_8);
        assertThat(help).startsWith("Usage: prog [flags]\n\nRequired:\n  --cert <file>");
        assertThat(help).contains("\nFrontend:\n", "--port <n>", "(default 8090)", "--timeout <duration>",
                "(default 1500ms)", "\nAgent link (the same on server and agent):\n", "(default 10s)", "(default 30s)",
                "--tls-provider <AUTO|OPENSSL|JDK>");
        assertThat(help).doesNotContain("PT10S", "Default:");
        assertThat(help.indexOf("\nHelp:\n")).as("help comes last").isGreaterThan(help.indexOf("Agent link"));
        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void aUsageErrorIsOneLineAndAHint() {
        assertThat(parse(new Frontend(), "--cert", "x", "--bogus")).hasValue(Cli.EXIT_USAGE);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .isEqualTo("prog: unknown flag --bogus\nRun with --help for usage.\n");
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();

        err.reset();
        assertThat(parse(new Frontend(), "--cert", "x", "--timeout", "PT10S")).hasValue(Cli.EXIT_USAGE);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("prog: invalid duration 'PT10S'");
    }

    @Test
    void versionPrintsTheProgramAndItsVersion() {
        assertThat(parse(new Frontend(), "--version")).hasValue(Cli.EXIT_OK);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("prog " + Cli.version() + "\n");
    }

    @Test
    void valuesReachTheFlags() {
        Frontend flags = new Frontend();
        assertThat(parse(flags, "--cert", "c.pem", "--timeout", "2m", "--keepalive-time", "5s")).isEmpty();
        assertThat(flags.cert).isEqualTo(Path.of("c.pem"));
        assertThat(flags.timeout).isEqualTo(Duration.ofMinutes(2));
        assertThat(flags.link.keepalive).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void durationsAreWrittenInTheLargestUnitThatFits() {
        assertThat(DurationConverter.format(Duration.ofMillis(500))).isEqualTo("500ms");
        assertThat(DurationConverter.format(Duration.ofSeconds(90))).isEqualTo("90s");
        assertThat(DurationConverter.format(Duration.ofMinutes(2))).isEqualTo("2m");
        assertThat(DurationConverter.format(Duration.ofHours(1))).isEqualTo("1h");
        assertThat(new DurationConverter().convert(DurationConverter.format(Duration.ofMillis(1500))))
                .isEqualTo(Duration.ofMillis(1500));
    }

    @Test
    void loggingFlagsAreCheckedBeforeAnythingStarts() {
        LoggingFlags logging = new LoggingFlags();
        java.util.List<String> problems = new java.util.ArrayList<>();
        logging.level = "LOUD";
        logging.config = Path.of("/no/such/log4j2.xml");
        logging.check(problems);
        assertThat(problems).containsExactly("--log-level must be one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL, OFF",
                "--log-config /no/such/log4j2.xml cannot be read");
    }

    @Test
    void aYamlLogConfigIsRefusedSinceNoJarReadsIt(@TempDir Path dir) throws IOException {
        LoggingFlags logging = new LoggingFlags();
        logging.config = Files.writeString(dir.resolve("log4j2.yaml"), "Configuration:\n  status: warn\n");
        java.util.List<String> problems = new java.util.ArrayList<>();
        logging.check(problems);
        assertThat(problems).containsExactly("--log-config " + logging.config
                + ": YAML is not supported here; use XML, JSON or properties");

        problems.clear();
        logging.config = Files.writeString(dir.resolve("log4j2.json"), "{}");
        logging.check(problems);
        assertThat(problems).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {Cli.NETTY_JFR, Cli.NETTY_LOW_MEMORY})
    void nettyIsSetUpUnlessTheOperatorChoseOtherwise(String property) {
        String before = System.getProperty(property);
        try {
            System.clearProperty(property);
            Cli.configureNetty();
            assertThat(System.getProperty(property)).isEqualTo("false");

            System.setProperty(property, "true");
            Cli.configureNetty();
            assertThat(System.getProperty(property)).as("an operator's choice stands").isEqualTo("true");
        } finally {
            if (before == null) {
                System.clearProperty(property);
            } else {
                System.setProperty(property, before);
            }
        }
    }
}
