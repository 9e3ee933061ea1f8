package io.tunnel.bench;

import io.netty.util.internal.logging.InternalLoggerFactory;
import io.netty.util.internal.logging.Log4J2LoggerFactory;
import java.util.Arrays;

/**
 * The tools of scripts/bench in one jar: {@code java -jar tunnel-bench.jar loadgen|report|jfrtop ARGS...}.
 *
 * <ul>
 *   <li>{@code loadgen}: the load generator ({@link LoadGen});</li>
 *   <li>{@code report}: docs/benchmark.md and .json from a run's results ({@link Report});</li>
 *   <li>{@code jfrtop}: a JFR recording summarised as markdown ({@link JfrTop}).</li>
 * </ul>
 */
public final class BenchMain {
    private BenchMain() {
    }

    public static void main(String[] args) throws Exception {
        InternalLoggerFactory.setDefaultFactory(Log4J2LoggerFactory.INSTANCE);
        System.exit(run(args));
    }

    static int run(String... args) throws Exception {
        String[] rest = args.length == 0 ? args : Arrays.copyOfRange(args, 1, args.length);
        return switch (args.length == 0 ? "" : args[0]) {
            case "loadgen" -> LoadGen.run(rest);
            case "report" -> Report.run(rest);
            case "jfrtop" -> JfrTop.run(rest);
            default -> {
                System.err.println("usage: java -jar tunnel-bench.jar loadgen|report|jfrtop ARGS...");
                yield 2;
            }
        };
    }
}
