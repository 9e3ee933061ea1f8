package io.tunnel.bench;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.Locale;

/**
 * What a load generator run tells scripts/bench: {@code RESULT <tag>.<key>TAB<value>} lines on stdout (the bench
 * appends them to its results file), and progress on stderr.
 */
final class Output {
    private final String tag;
    private final PrintStream results;
    private final PrintStream progress;

    Output(String tag, PrintStream results, PrintStream progress) {
        this.tag = tag;
        this.results = results;
        this.progress = progress;
    }

    String tag() {
        return tag;
    }

    /** One result; a double is written with three decimals. */
    void result(String key, Object value) {
        String text = value instanceof Double d ? String.format(Locale.ROOT, "%.3f", d) : String.valueOf(value);
        line("RESULT " + tag + "." + key + "\t" + text);
    }

    /** A line on stdout that the bench waits for (flushed at once). */
    void line(String text) {
        results.println(text);
        results.flush();
    }

    void log(String msg) {
        progress.println("[loadgen " + tag + "] " + msg);
        progress.flush();
    }

    /** Count, percentiles, maximum and mean of {@code nanos}, in microseconds, as results {@code prefix*}. */
    void latencies(String prefix, long[] nanos) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        result(prefix + "count", s.length);
        result(prefix + "p50_us", Stats.percentile(s, 0.50) / 1000.0);
        result(prefix + "p90_us", Stats.percentile(s, 0.90) / 1000.0);
        result(prefix + "p99_us", Stats.percentile(s, 0.99) / 1000.0);
        result(prefix + "p999_us", Stats.percentile(s, 0.999) / 1000.0);
        result(prefix + "max_us", (s.length == 0 ? 0 : s[s.length - 1]) / 1000.0);
        result(prefix + "mean_us", Stats.mean(s) / 1000.0);
    }
}
