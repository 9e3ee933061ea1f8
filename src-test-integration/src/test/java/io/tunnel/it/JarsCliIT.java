package io.tunnel.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Each fat jar: {@code --help} prints usage and exits 0; an unknown flag gets one line, the usage and exit 2. */
class JarsCliIT {
    private static final Duration CMD = Duration.ofSeconds(30);

    @BeforeAll
    static void built() {
        Jars.requireBuilt();
    }

    static Stream<Arguments> jars() {
        return Stream.of(
                Arguments.of("tunnel-server", Jars.SERVER),
                Arguments.of("tunnel-agent", Jars.AGENT),
                Arguments.of("tunnel-client", Jars.CLIENT),
                Arguments.of("pki-tool", Jars.PKI));
    }

    @ParameterizedTest(name = "{0} --help")
    @MethodSource("jars")
    void helpPrintsUsageAndExitsZero(String program, Path jar) {
        Commands.Result r = Commands.java(CMD, jar, "--help");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("Usage").contains(program);
    }

    static Stream<Arguments> helpPages() {
        return Stream.of(
                Arguments.of(Jars.SERVER, List.of("--help")),
                Arguments.of(Jars.AGENT, List.of("--help")),
                Arguments.of(Jars.CLIENT, List.of("request", "--help")),
                Arguments.of(Jars.CLIENT, List.of("forward", "--help")));
    }

    @ParameterizedTest(name = "{0} {1}: defaults written as the flags take them")
    @MethodSource("helpPages")
    void helpShowsDefaultsAsTheFlagsTakeThem(Path jar, List<String> args) {
        Commands.Result r = Commands.java(CMD, jar, args.toArray(String[]::new));
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).contains("(default ").doesNotContainPattern("PT\\d").doesNotContain("Default:");
    }

    @ParameterizedTest(name = "{0} --no-such-flag")
    @MethodSource("jars")
    void unknownFlagIsOneLineAndAHintAndExitTwo(String program, Path jar) {
        Commands.Result r = Commands.java(CMD, jar, "--no-such-flag");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.stderr().lines()).as(r.toString()).hasSize(2).satisfies(lines -> {
            assertThat(lines.get(0)).startsWith(program + ": ").contains("--no-such-flag");
            assertThat(lines.get(1)).as("a hint, not the usage").contains("--help");
        });
        assertThat(r.stdout()).isEmpty();
    }

    @ParameterizedTest(name = "{0} --version")
    @MethodSource("jars")
    void versionPrintsTheProgramAndVersion(String program, Path jar) {
        Commands.Result r = Commands.java(CMD, jar, "--version");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout()).as(r.toString()).matches(program + " \\d+\\.\\d+\\.\\d+\\S*\n");
    }
}
