package io.tunnel.bench;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.LinkedHashMap;
import java.util.Map;

/** The JSON of docs/benchmark.json: dotted keys nested into objects, written with two-space indents. */
final class Json {
    private Json() {
    }

    /**
     * Nests {@code a.b.c = v} as {@code {a: {b: {c: v}}}}. Where a key is both a value and a prefix of others
     * ({@code a.b} and {@code a.b.c}), the value goes under {@code _value}.
     */
    @SuppressWarnings("unchecked")
    static Map<String, Object> nest(Map<String, Object> flat) {
        Map<String, Object> root = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : flat.entrySet()) {
            String[] parts = e.getKey().split("\\.");
            Map<String, Object> node = root;
            for (int i = 0; i < parts.length - 1; i++) {
                Object child = node.get(parts[i]);
                if (!(child instanceof Map)) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    if (child != null) {
                        m.put("_value", child);
                    }
                    node.put(parts[i], m);
                    child = m;
                }
                node = (Map<String, Object>) child;
            }
            String leaf = parts[parts.length - 1];
            if (node.get(leaf) instanceof Map<?, ?> m) {
                ((Map<String, Object>) m).put("_value", e.getValue());
            } else {
                node.put(leaf, e.getValue());
            }
        }
        return root;
    }

    /**
     * {@code o} as JSON: maps as objects, whole doubles without a fraction (others to six significant digits,
     * NaN and infinities as null), and strings that read as numbers or booleans as those.
     */
    static String toJson(Object o, String indent) {
        if (o instanceof Map<?, ?> m) {
            if (m.isEmpty()) {
                return "{}";
            }
            StringBuilder s = new StringBuilder("{\n");
            String in = indent + "  ";
            int i = 0;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                s.append(in).append(quote(String.valueOf(e.getKey()))).append(": ").append(toJson(e.getValue(), in));
                s.append(++i < m.size() ? ",\n" : "\n");
            }
            return s.append(indent).append('}').toString();
        }
        if (o instanceof Double d) {
            return d.isNaN() || d.isInfinite() ? "null" : (d == Math.rint(d) && Math.abs(d) < 1e15
                    ? String.valueOf(d.longValue())
                    : new BigDecimal(d).round(new MathContext(6)).stripTrailingZeros()
                    .toPlainString());
        }
        if (o instanceof Integer || o instanceof Long || o instanceof Boolean) {
            return String.valueOf(o);
        }
        String v = String.valueOf(o);
        if (v.equals("true") || v.equals("false")) {
            return v;
        }
        if (v.matches("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][-+]?[0-9]+)?")) {
            return v;
        }
        return quote(v);
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
