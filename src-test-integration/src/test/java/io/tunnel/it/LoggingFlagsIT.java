package io.tunnel.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** --log-config replaces the built-in log4j2 configuration; --log-level sets the level; both in --help. */
@ExtendWith(SharedTunnels.Extension.class)
class LoggingFlagsIT {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void anExternalConfigurationAndALevelAreUsed(SharedTunnels shared, @TempDir Path tmp) throws Exception {
        Path config = Files.writeString(tmp.resolve("log4j2.xml"), """
                <Configuration status="WARN" shutdownHook="disable">
                  <Appenders><Console name="out" target="SYSTEM_OUT"><PatternLayout pattern="CUSTOM %level %msg%n"/></Console></Appenders>
                  <Loggers><Root level="INFO"><AppenderRef ref="out"/></Root></Loggers>
                </Configuration>
                """);
        TestPki pki = shared.pki();
        List<String> common = List.of("--server-port", "0", "--agent-port", "0", "--health-port", "0",
                "--server-bind-address", "127.0.0.1", "--agent-bind-address", "127.0.0.1",
                "--health-bind-address", "127.0.0.1", "--allow-plaintext-frontend",
                "--cluster-cert", pki.cert("agent", "proxy-master").toString(),
                "--cluster-key", pki.key("agent", "proxy-master").toString(),
                "--cluster-ca-cert", pki.ca("agent").toString());
        try (JavaProcess custom = JavaProcess.start("server-custom-log", Jars.SERVER, tmp, concat(common,
                "--log-config", config.toString()))) {
            custom.awaitLog("CUSTOM INFO tunnel-server .*frontend \\d+", WAIT);
        }
        int healthPort;
        try (ServerSocket free = new ServerSocket(0)) {
            healthPort = free.getLocalPort();
        }
        List<String> quietArgs = new ArrayList<>(common);
        quietArgs.set(quietArgs.indexOf("--health-port") + 1, Integer.toString(healthPort));
        quietArgs.addAll(List.of("--log-level", "WARN"));
        try (JavaProcess quiet = JavaProcess.start("server-quiet-log", Jars.SERVER, tmp, quietArgs)) {
            HttpClient http = HttpClient.newHttpClient();
            URI healthz = URI.create("http://127.0.0.1:" + healthPort + "/healthz");
            Await.until("the server's /healthz", WAIT, () -> {
                try {
                    return http.send(HttpRequest.newBuilder(healthz).build(),
                            HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
                } catch (IOException e) {
                    return false;
                }
            });
            assertThat(quiet.output()).as("no INFO line at --log-level WARN").doesNotContain(" INFO ");
        }
        Commands.Result help = Commands.java(WAIT, Jars.SERVER, "--help");
        assertThat(help.stdout()).contains("\nLogging:\n", "--log-level", "--log-config <file>");
    }

    private static List<String> concat(List<String> a, String... b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(List.of(b));
        return all;
    }
}
