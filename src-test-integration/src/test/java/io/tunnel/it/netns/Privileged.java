package io.tunnel.it.netns;

import java.io.File;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The gate of tests that need root: network namespaces, veths and iptables need uid 0 with CAP_NET_ADMIN and
 * CAP_SYS_ADMIN, and their tools on the PATH. Without them a test is skipped with the reason, unless
 * {@value #REQUIRE_ENV}{@code =1} (CI sets it), where the same reason fails the test: a CI run that cannot run
 * these tests must not pass quietly.
 */
public final class Privileged {
    public static final String REQUIRE_ENV = "TUNNEL_REQUIRE_PRIVILEGED_TESTS";
    private static final int CAP_NET_ADMIN = 12;
    private static final int CAP_SYS_ADMIN = 21;

    private Privileged() {
    }

    /** Skips (or, with {@value #REQUIRE_ENV}=1, fails) unless running as root with {@code commands} installed. */
    public static void require(String... commands) {
        List<String> problems = problems(commands);
        if (problems.isEmpty()) {
            return;
        }
        String reason = "network-namespace tests need " + String.join("; ", problems);
        if ("1".equals(System.getenv(REQUIRE_ENV))) {
            Assertions.fail(reason + " (" + REQUIRE_ENV + "=1: failing instead of skipping)");
        }
        Assumptions.abort(reason + " (skipped; set " + REQUIRE_ENV + "=1 to make this a failure)");
    }

    static List<String> problems(String... commands) {
        List<String> problems = new ArrayList<>();
        Optional<String> uid = statusField("Uid:");
        Optional<String> capEff = statusField("CapEff:");
        // Uid: real effective saved fs
        String effectiveUid = uid.map(u -> u.split("\\s+")[1]).orElse("?");
        if (!effectiveUid.equals("0")) {
            problems.add("root (effective uid is " + effectiveUid + ")");
        } else {
            BigInteger caps = capEff.map(c -> new BigInteger(c.trim(), 16)).orElse(BigInteger.ZERO);
            if (!caps.testBit(CAP_NET_ADMIN) || !caps.testBit(CAP_SYS_ADMIN)) {
                problems.add("CAP_NET_ADMIN and CAP_SYS_ADMIN (CapEff is " + capEff.orElse("?") + ")");
            }
        }
        List<String> missing = new ArrayList<>();
        for (String command : commands) {
            if (!onPath(command)) {
                missing.add(command);
            }
        }
        if (!missing.isEmpty()) {
            problems.add(String.join(", ", missing) + " on the PATH "
                    + "(apt-get install -y iproute2 iptables dnsmasq-base curl python3)");
        }
        return problems;
    }

    private static Optional<String> statusField(String field) {
        try {
            return Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.US_ASCII).stream()
                    .filter(line -> line.startsWith(field))
                    .map(line -> line.substring(field.length()).trim())
                    .findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static boolean onPath(String command) {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }
}
