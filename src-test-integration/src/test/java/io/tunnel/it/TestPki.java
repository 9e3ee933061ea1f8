package io.tunnel.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Certificates made at test time by our own pki-tool, in the layout its {@code init} command writes. */
public final class TestPki {
    private final Path dir;

    private TestPki(Path dir) {
        this.dir = dir;
    }

    /** {@code pki-tool init} into {@code dir}, for the given server host names. */
    public static TestPki init(Path dir, String serverHosts) {
        Commands.Result result = Commands.java(Duration.ofSeconds(60), Jars.PKI, "init", "--dir", dir.toString(),
                "--server-hosts", serverHosts);
        assertThat(result.exitCode()).as("pki-tool init: %s", result).isZero();
        return new TestPki(dir);
    }

    public static TestPki init(Path dir) {
        return init(dir, "localhost,127.0.0.1");
    }

    /** {@code pki-tool hash-password} of the real jar, the password on stdin: a users-file line (bcrypt). */
    public static String hashPassword(String user, String password) {
        Commands.Result r = Commands.run(Duration.ofSeconds(60), Map.of(),
                (password + "\n").getBytes(StandardCharsets.UTF_8), List.of(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", Jars.PKI.toString(),
                        "hash-password", "--user", user));
        assertThat(r.exitCode()).as("pki-tool hash-password: %s", r).isZero();
        assertThat(r.stdout()).startsWith(user + ":$2y$").doesNotContain(password);
        return r.stdout();
    }

    /** Adds a certificate with {@code pki-tool issue}. */
    public void issue(String tree, String kind, String name, String... extra) {
        String[] args = new String[] {"issue", "--dir", dir.toString(), "--tree", tree, "--kind", kind, "--name", name};
        String[] all = new String[args.length + extra.length];
        System.arraycopy(args, 0, all, 0, args.length);
        System.arraycopy(extra, 0, all, args.length, extra.length);
        Commands.Result result = Commands.java(Duration.ofSeconds(60), Jars.PKI, all);
        assertThat(result.exitCode()).as("pki-tool issue: %s", result).isZero();
    }

    /**
     * Makes sure the agent tree has a certificate for agent {@code id} (file {@code <id>.crt}, SAN
     * {@code urn:tunnel:agent:<id>}), issuing it the first time; {@code init} made {@code agent-1} as
     * {@code proxy-agent}.
     */
    public synchronized void ensureAgent(String id) {
        if (!Files.isRegularFile(cert("agent", id))) {
            issue("agent", "agent", id);
        }
    }

    public Path dir() {
        return dir;
    }

    public Path cert(String tree, String name) {
        return dir.resolve(tree).resolve("issued").resolve(name + ".crt");
    }

    public Path key(String tree, String name) {
        return dir.resolve(tree).resolve("private").resolve(name + ".key");
    }

    public Path ca(String tree) {
        return cert(tree, "ca");
    }
}
