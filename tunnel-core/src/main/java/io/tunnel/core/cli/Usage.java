package io.tunnel.core.cli;

import com.beust.jcommander.JCommander;
import com.beust.jcommander.ParameterDescription;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * {@code --help} of the long-running programs: the required flags first, then the others under the title of their
 * class ({@link FlagGroup}), each with the kind of value it takes and its default written as the flag accepts it
 * ({@code 10s}, not {@code PT10S}).
 */
public final class Usage {
    private static final int NAME_WIDTH = 34;
    private static final int LINE_WIDTH = 110;

    private Usage() {
    }

    /** The usage text of {@code commander}, whose objects are {@code groups} in the order to show them. */
    public static String of(String program, JCommander commander, Object... groups) {
        List<ParameterDescription> all = commander.getParameters().stream()
                .filter(p -> !p.getParameter().hidden())
                .sorted(Comparator.comparing(ParameterDescription::getLongestName))
                .toList();
        StringBuilder sb = new StringBuilder("Usage: ").append(program).append(" [flags]\n");
        List<ParameterDescription> required = all.stream().filter(p -> p.getParameter().required()).toList();
        if (!required.isEmpty()) {
            section(sb, "Required", required);
        }
        Map<String, List<ParameterDescription>> byGroup = new LinkedHashMap<>();
        for (Object group : groups) {
            byGroup.put(title(group), new ArrayList<>());
        }
        for (ParameterDescription p : all) {
            if (!p.getParameter().required()) {
                byGroup.computeIfAbsent(title(p.getObject()), k -> new ArrayList<>()).add(p);
            }
        }
        List<ParameterDescription> help = byGroup.remove(title(new Cli.HelpFlag()));
        byGroup.forEach((title, flags) -> {
            if (!flags.isEmpty()) {
                section(sb, title, flags);
            }
        });
        if (help != null) {
            section(sb, title(new Cli.HelpFlag()), help); // last, after the groups of delegates
        }
        return sb.toString();
    }

    private static String title(Object group) {
        FlagGroup annotation = group.getClass().getAnnotation(FlagGroup.class);
        return annotation != null ? annotation.value() : "Other";
    }

    private static void section(StringBuilder sb, String title, List<ParameterDescription> flags) {
        sb.append('\n').append(title).append(":\n");
        for (ParameterDescription p : flags) {
            String names = p.getNames() + argument(p);
            StringBuilder line = new StringBuilder("  ").append(names);
            String description = p.getDescription();
            String byDefault = formatDefault(p);
            if (byDefault != null) {
                description += " (default " + byDefault + ")";
            }
            if (line.length() + 2 > NAME_WIDTH) {
                sb.append(line).append('\n');
                line.setLength(0);
            }
            while (line.length() < NAME_WIDTH) {
                line.append(' ');
            }
            wrap(sb, line.toString(), description);
        }
    }

    private static void wrap(StringBuilder sb, String indent, String text) {
        String pad = " ".repeat(NAME_WIDTH);
        StringBuilder line = new StringBuilder(indent);
        for (String word : text.split(" ")) {
            if (line.length() + word.length() + 1 > LINE_WIDTH && line.length() > NAME_WIDTH) {
                sb.append(line.toString().stripTrailing()).append('\n');
                line = new StringBuilder(pad);
            }
            line.append(word).append(' ');
        }
        sb.append(line.toString().stripTrailing()).append('\n');
    }

    private static String argument(ParameterDescription p) {
        Class<?> type = p.getParameterized().getType();
        if (type == boolean.class || type == Boolean.class) {
            return p.getParameter().arity() == 1 ? " <true|false>" : "";
        }
        if (type.isEnum()) {
            return " <" + Arrays.stream(type.getEnumConstants()).map(String::valueOf)
                    .collect(Collectors.joining("|")) + ">";
        }
        if (type == Duration.class) {
            return " <duration>";
        }
        if (type == Path.class) {
            return " <file>";
        }
        if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
            return " <n>";
        }
        if (Collection.class.isAssignableFrom(type)) {
            return " <list>";
        }
        return " <value>";
    }

    /** The default as the flag would take it, or {@code null} when there is none worth showing. */
    static String formatDefault(ParameterDescription p) {
        Object value = p.getDefault();
        if (value == null || p.isHelp() || Boolean.FALSE.equals(value)) {
            return null;
        }
        if (value instanceof Duration d) {
            return DurationConverter.format(d);
        }
        if (value instanceof Collection<?> c) {
            return c.isEmpty() ? null : c.stream().map(String::valueOf).collect(Collectors.joining(","));
        }
        String text = String.valueOf(value);
        return text.isEmpty() ? null : text;
    }
}
