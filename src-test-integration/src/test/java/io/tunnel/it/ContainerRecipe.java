package io.tunnel.it;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The build targets of {@code deploy/Dockerfile}, as far as the manifests depend on them: for each {@code FROM ...
 * AS name} stage its user (inherited from the stage it is built on), what it copies and its {@code ENTRYPOINT}.
 */
public final class ContainerRecipe {
    private static final Pattern FROM = Pattern.compile("^FROM\\s+(\\S+)\\s+AS\\s+(\\S+)\\s*$",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern USER = Pattern.compile("^USER\\s+(\\d+)(?::(\\d+))?\\s*$");
    private static final Pattern COPY = Pattern.compile("^COPY\\s+(\\S+)\\s+(\\S+)\\s*$");
    private static final Pattern ENTRYPOINT = Pattern.compile("^ENTRYPOINT\\s+(\\[.*])\\s*$");

    /** One build target; {@code uid} is null when no {@code USER} applies (root). */
    public record Target(String name, Long uid, Map<String, String> copies, List<String> entrypoint) {
        /** The jar the entrypoint runs ({@code java -jar <jar>}), as a path inside the image. */
        public String entrypointJar() {
            int i = entrypoint.indexOf("-jar");
            return i >= 0 && i + 1 < entrypoint.size() ? entrypoint.get(i + 1) : null;
        }

        /** The file of the repository copied to {@code imagePath}, or null. */
        public String sourceOf(String imagePath) {
            return copies.entrySet().stream().filter(e -> e.getValue().equals(imagePath)).map(Map.Entry::getKey)
                    .findFirst().orElse(null);
        }
    }

    private final Map<String, Target> targets;

    private ContainerRecipe(Map<String, Target> targets) {
        this.targets = targets;
    }

    public static ContainerRecipe read(Path dockerfile) {
        List<String> lines;
        try {
            lines = joinContinuations(Files.readAllLines(dockerfile, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, Target> targets = new LinkedHashMap<>();
        String name = null;
        Long uid = null;
        Map<String, String> copies = new LinkedHashMap<>();
        List<String> entrypoint = List.of();
        for (String line : lines) {
            Matcher m;
            if ((m = FROM.matcher(line)).matches()) {
                if (name != null) {
                    targets.put(name, new Target(name, uid, copies, entrypoint));
                }
                Target base = targets.get(m.group(1));
                name = m.group(2);
                uid = base == null ? null : base.uid();
                copies = base == null ? new LinkedHashMap<>() : new LinkedHashMap<>(base.copies());
                entrypoint = base == null ? List.of() : base.entrypoint();
            } else if ((m = USER.matcher(line)).matches()) {
                uid = Long.parseLong(m.group(1));
            } else if ((m = COPY.matcher(line)).matches()) {
                copies.put(m.group(1), m.group(2));
            } else if ((m = ENTRYPOINT.matcher(line)).matches()) {
                entrypoint = parseJsonArray(m.group(1));
            }
        }
        if (name != null) {
            targets.put(name, new Target(name, uid, copies, entrypoint));
        }
        return new ContainerRecipe(targets);
    }

    private static List<String> joinContinuations(List<String> lines) {
        List<String> joined = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : lines) {
            if (line.startsWith("#")) {
                continue;
            }
            if (line.endsWith("\\")) {
                current.append(line, 0, line.length() - 1).append(' ');
            } else {
                joined.add(current.append(line).toString().strip());
                current.setLength(0);
            }
        }
        return joined;
    }

    private static List<String> parseJsonArray(String json) {
        try {
            return List.of(new ObjectMapper().readValue(json, String[].class));
        } catch (JsonProcessingException e) {
            throw new AssertionError("ENTRYPOINT is not an exec-form JSON array: " + json, e);
        }
    }

    public Map<String, Target> targets() {
        return targets;
    }
}
