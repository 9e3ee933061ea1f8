package io.tunnel.agent.policy;

import com.beust.jcommander.IStringConverter;
import com.beust.jcommander.Parameter;
import io.tunnel.core.cli.FlagGroup;
import io.tunnel.core.cli.PathConverter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The agent's destination policy flags (see {@link DestinationPolicy}). */
@FlagGroup("Destination policy")
public final class DestinationFlags {
    @Parameter(names = "--allow-destinations", converter = RuleConverter.class,
            description = "Comma-separated destinations the agent may dial (CIDR with optional port or range: "
                    + "10.0.0.0/8, 10.1.2.3/32:443, [fd00::]/8:8000-8999); when given, nothing else is allowed")
    public List<DestinationRule> allow = new ArrayList<>();

    @Parameter(names = "--deny-destinations", converter = RuleConverter.class,
            description = "Comma-separated destinations the agent never dials; they win over --allow-destinations")
    public List<DestinationRule> deny = new ArrayList<>();

    @Parameter(names = "--allow-destinations-file", converter = PathConverter.class,
            description = "File of allowed destinations, one per line ('#' starts a comment)")
    public Path allowFile;

    @Parameter(names = "--deny-destinations-file", converter = PathConverter.class,
            description = "File of denied destinations, one per line ('#' starts a comment)")
    public Path denyFile;

    /** Adds what is wrong with these flags (unreadable files, bad rules in them) to {@code problems}. */
    public void check(List<String> problems) {
        try {
            allowRules();
            denyRules();
        } catch (IllegalArgumentException | UncheckedIOException e) {
            problems.add(e.getMessage());
        }
    }

    /** The allow rules of the flag and the file. */
    public List<DestinationRule> allowRules() {
        return join(allow, allowFile);
    }

    /** The deny rules of the flag and the file. */
    public List<DestinationRule> denyRules() {
        return join(deny, denyFile);
    }

    private static List<DestinationRule> join(List<DestinationRule> flag, Path file) {
        List<DestinationRule> rules = new ArrayList<>(flag);
        if (file != null) {
            rules.addAll(readRules(file));
        }
        return rules;
    }

    /** Reads one rule per line; blank lines and {@code #} comments are skipped. */
    static List<DestinationRule> readRules(Path file) {
        List<DestinationRule> rules = new ArrayList<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int hash = line.indexOf('#');
            String rule = (hash < 0 ? line : line.substring(0, hash)).trim();
            if (!rule.isEmpty()) {
                try {
                    rules.add(DestinationRule.parse(rule));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(file + " line " + (i + 1) + ": " + e.getMessage(), e);
                }
            }
        }
        return rules;
    }

    /** JCommander's converter of one rule. */
    public static final class RuleConverter implements IStringConverter<DestinationRule> {
        @Override
        public DestinationRule convert(String value) {
            try {
                return DestinationRule.parse(value);
            } catch (IllegalArgumentException e) {
                throw new com.beust.jcommander.ParameterException(e.getMessage());
            }
        }
    }
}
