package io.tunnel.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The server's access-log lines ({@code tunnel.access}: {@code client=... target=... agent=... status=...
 * strategy=... link=...}) as maps of their fields, quotes removed.
 */
public final class AccessLines {
    private static final String MARKER = " access - client=";
    private static final Pattern FIELD = Pattern.compile("(\\w+)=(\"[^\"]*\"|\\S+)");

    private AccessLines() {
    }

    /** The access lines the server logged after {@code mark}, oldest first. */
    public static List<Map<String, String>> since(JavaProcess server, int mark) {
        List<Map<String, String>> lines = new ArrayList<>();
        server.outputSince(mark).lines().filter(l -> l.contains(MARKER)).forEach(l -> {
            Map<String, String> fields = new LinkedHashMap<>();
            Matcher m = FIELD.matcher(l.substring(l.indexOf(MARKER) + " access - ".length()));
            while (m.find()) {
                String value = m.group(2);
                fields.put(m.group(1), value.startsWith("\"") ? value.substring(1, value.length() - 1) : value);
            }
            lines.add(fields);
        });
        return lines;
    }

    /** Waits until at least {@code count} lines after {@code mark} match {@code which}; returns those that do. */
    public static List<Map<String, String>> await(JavaProcess server, int mark, int count,
                                                  Predicate<Map<String, String>> which, Duration timeout) {
        List<List<Map<String, String>>> found = new ArrayList<>(List.of(List.of()));
        Await.until(count + " access line(s) of " + server, timeout, () -> {
            found.set(0, since(server, mark).stream().filter(which).toList());
            return found.get(0).size() >= count;
        });
        return found.get(0);
    }

    /** Lines of streams that were answered (not withdrawn to another link, {@code status=-}). */
    public static boolean answered(Map<String, String> line) {
        return !"-".equals(line.get("status"));
    }
}
