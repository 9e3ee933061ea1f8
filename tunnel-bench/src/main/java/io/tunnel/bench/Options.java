package io.tunnel.bench;

import java.util.HashMap;
import java.util.Map;

/**
 * A load generator command line: the mode, then {@code --key value} options and {@code --switch}es (a switch is an
 * option followed by another option or by nothing; its value is {@code "true"}). Options scripts/bench does not
 * pass take their defaults at the point of use.
 */
final class Options {
    private final String mode;
    private final Map<String, String> values;

    private Options(String mode, Map<String, String> values) {
        this.mode = mode;
        this.values = values;
    }

    /** @throws IllegalArgumentException if there is no mode or a word stands where an option belongs */
    static Options parse(String... args) {
        if (args.length == 0 || args[0].startsWith("--")) {
            throw new IllegalArgumentException("usage: loadgen rate|latency|idle|hol --option value ...");
        }
        Map<String, String> values = new HashMap<>();
        for (int i = 1; i < args.length; i++) {
            if (!args[i].startsWith("--") || args[i].length() == 2) {
                throw new IllegalArgumentException("unexpected argument " + args[i]);
            }
            String key = args[i].substring(2);
            if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                values.put(key, args[++i]);
            } else {
                values.put(key, "true");
            }
        }
        return new Options(args[0], values);
    }

    String mode() {
        return mode;
    }

    String get(String key, String def) {
        return values.getOrDefault(key, def);
    }

    /** @throws IllegalArgumentException if the option is missing */
    String require(String key) {
        String v = values.get(key);
        if (v == null) {
            throw new IllegalArgumentException("missing --" + key);
        }
        return v;
    }

    int getInt(String key, int def) {
        String v = values.get(key);
        return v == null ? def : Integer.parseInt(v);
    }

    double getDouble(String key, double def) {
        String v = values.get(key);
        return v == null ? def : Double.parseDouble(v);
    }

    /** {@code true} if the switch was given (or the option was given the value {@code true}). */
    boolean has(String key) {
        return Boolean.parseBoolean(values.get(key));
    }
}
