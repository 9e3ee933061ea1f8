package io.tunnel.core.protocol;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The attributes field that ends HELLO and HELLO_ACK: {@code key=value} pairs joined by {@code &}, keys repeatable,
 * values percent-encoded where needed (the query syntax Konnectivity's {@code --agent-identifiers} uses). At most
 * {@value #MAX_LENGTH} bytes, each {@code 0x21–0x7E}; empty when the peer sent none.
 */
public final class HelloAttributes {
    /** The longest attributes field a peer may send. */
    public static final int MAX_LENGTH = 4096;

    private HelloAttributes() {
    }

    /**
     * Parses {@code text} into keys and their values in order.
     *
     * @throws IllegalArgumentException if a pair has no key, or a value is not validly percent-encoded
     */
    public static Map<String, List<String>> parse(String text) {
        Map<String, List<String>> pairs = new LinkedHashMap<>();
        if (text.isEmpty()) {
            return pairs;
        }
        for (String pair : text.split("&", -1)) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            if (key.isEmpty()) {
                throw new IllegalArgumentException("attribute without a name in '" + pair + "'");
            }
            pairs.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
        }
        return pairs;
    }

    /** Formats keys and values as the field's text (the inverse of {@link #parse}). */
    public static String format(Map<String, List<String>> pairs) {
        StringBuilder sb = new StringBuilder();
        pairs.forEach((key, values) -> {
            for (String value : values) {
                if (sb.length() > 0) {
                    sb.append('&');
                }
                sb.append(encode(key)).append('=').append(encode(value));
            }
        });
        return sb.toString();
    }

    /** The first value of {@code key}, or {@code null}. */
    public static String first(Map<String, List<String>> pairs, String key) {
        List<String> values = pairs.getOrDefault(key, Collections.emptyList());
        return values.isEmpty() ? null : values.get(0);
    }

    /**
     * Checks that {@code text} can travel in the field.
     *
     * @throws IllegalArgumentException if it is too long or has a byte outside {@code 0x21–0x7E}
     */
    public static void check(String text) {
        if (text.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("attributes longer than " + MAX_LENGTH + " bytes");
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x21 || c > 0x7E) {
                throw new IllegalArgumentException("attributes must be printable ASCII without spaces");
            }
        }
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    private static String encode(String s) {
        // Keep what Konnectivity's identifiers use readable: names, addresses, CIDRs.
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c > 0x20 && c < 0x7F && c != '&' && c != '=' && c != '%' && c != '+') {
                sb.append(c);
            } else {
                sb.append(URLEncoder.encode(String.valueOf(c), StandardCharsets.UTF_8));
            }
        }
        return sb.toString();
    }
}
