package io.tunnel.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.junit.jupiter.api.Test;

/** {@code pki-tool hash-password}: the users-file line tunnel-server takes, the password never on the command line. */
class HashPasswordTest {
    private final HashPasswordOperation operation = new HashPasswordOperation(new SecureRandom());

    private String line(String user, int cost, String stdin) throws PkiException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        operation.run(new HashPasswordRequest(user, cost), null,
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8));
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void printsUserColonBcryptOfTheFirstLineOfStdin() throws PkiException {
        String line = line("alice", 10, "correct horse ✓\r\nsecond line ignored\n");

        assertThat(line).matches("alice:\\$2y\\$10\\$[./A-Za-z0-9]{53}\n");
        String hash = line.substring("alice:".length()).strip();
        assertThat(OpenBSDBCrypt.checkPassword(hash, "correct horse ✓".getBytes(StandardCharsets.UTF_8))).isTrue();
        assertThat(OpenBSDBCrypt.checkPassword(hash, "correct horse ✓\r".getBytes(StandardCharsets.UTF_8)))
                .as("the line end is not part of the password").isFalse();
    }

    @Test
    void eachHashHasItsOwnSalt() throws PkiException {
        assertThat(line("bob", 10, "same")).isNotEqualTo(line("bob", 10, "same"));
    }

    @Test
    void anEmptyOrOverlongPasswordIsRefused() {
        assertThatThrownBy(() -> line("alice", 10, "\n")).isInstanceOf(PkiException.class)
                .hasMessage("the password is empty");
        assertThatThrownBy(() -> line("alice", 10, "x".repeat(73))).isInstanceOf(PkiException.class)
                .hasMessageContaining("longer than 72 bytes");
    }

    @Test
    void badUsersAndCostsAreUsageErrors() {
        for (String[] args : new String[][] {{"--user", "a:b"}, {"--user", "with space"}, {"--user", ""},
            {"--user", "alice", "--cost", "9"}, {"--user", "alice", "--cost", "32"}}) {
            String[] all = new String[args.length + 1];
            all[0] = HashPasswordCommand.NAME;
            System.arraycopy(args, 0, all, 1, args.length);
            Cli cli = Cli.run(all);
            assertThat(cli.exitCode()).as(cli.toString()).isEqualTo(PkiMain.EXIT_USAGE);
            assertThat(cli.out()).isEmpty();
        }
        Cli cli = Cli.run(HashPasswordCommand.NAME);
        assertThat(cli.exitCode()).as("--user is required").isEqualTo(PkiMain.EXIT_USAGE);
    }

    @Test
    void theToolListsTheCommand() {
        assertThat(Cli.run("--help").out()).contains("  hash-password ");
        assertThat(Cli.run(HashPasswordCommand.NAME, "--help").out()).contains("--user", "--cost");
    }
}
