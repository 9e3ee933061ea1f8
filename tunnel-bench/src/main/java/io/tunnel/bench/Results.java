package io.tunnel.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The flat results of a scripts/bench run: {@code key<TAB>value} lines, keys dotted ({@code tp.direct.run1.bytes}).
 * A key recorded twice keeps its last value (in its first place); lines without a tab are not results.
 */
final class Results {
    private final Map<String, String> values;

    private Results(Map<String, String> values) {
        this.values = values;
    }

    static Results read(Path file) throws IOException {
        return parse(Files.readAllLines(file, StandardCharsets.UTF_8));
    }

    static Results parse(List<String> lines) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String line : lines) {
            int tab = line.indexOf('\t');
            if (tab > 0) {
                values.put(line.substring(0, tab), line.substring(tab + 1));
            }
        }
        return new Results(values);
    }

    /** Every result in the order first recorded. */
    Map<String, String> all() {
        return Collections.unmodifiableMap(values);
    }

    boolean has(String key) {
        return values.containsKey(key);
    }

    /** The value, or "" if there is none. */
    String get(String key) {
        return values.getOrDefault(key, "");
    }

    /** The value as a number, or {@code null} if it is missing, empty or not a number. */
    Double num(String key) {
        String v = values.get(key);
        if (v == null || v.isEmpty()) {
            return null;
        }
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * The numbers {@code prefix + i + suffix} of the runs i = 1, 2, …: a run without that number but with its
     * {@code .bytes} is skipped, the first run with neither ends the list.
     */
    double[] runs(String prefix, String suffix) {
        List<Double> v = new ArrayList<>();
        for (int i = 1; i < 100; i++) {
            Double d = num(prefix + i + suffix);
            if (d == null) {
                if (!values.containsKey(prefix + i + ".bytes")) {
                    break;
                }
                continue;
            }
            v.add(d);
        }
        return v.stream().mapToDouble(Double::doubleValue).toArray();
    }

    double sumRuns(String prefix, String suffix) {
        return Arrays.stream(runs(prefix, suffix)).sum();
    }

    /** The stream counts (above 0) of the idle figures of {@code pair}, ascending. */
    int[] idleCounts(String pair) {
        return values.keySet().stream()
                .filter(k -> k.startsWith("idle." + pair + ".") && k.endsWith(".server_rss_kb"))
                .map(k -> k.split("\\.")[2]).mapToInt(Integer::parseInt).filter(n -> n > 0).distinct().sorted()
                .toArray();
    }

    /** The first stream count (above 0) with an RSS figure of {@code pair}, or {@code null}. */
    String firstIdle(String pair) {
        return values.keySet().stream().filter(k -> k.startsWith("idle." + pair + ".") && k.endsWith(".rss_kb"))
                .map(k -> k.split("\\.")[2]).filter(n -> !n.equals("0")).findFirst().orElse(null);
    }
}
