package io.tunnel.pki;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The two independent trust domains, each with a CA of its own.
 */
public enum Tree {
    /** The frontend: proxy clients to the server. */
    MASTER("master", "tunnel master CA"),
    /** The agent link: agents to the server. */
    AGENT("agent", "tunnel agent CA");

    private final String flagName;
    private final String caCommonName;

    Tree(String flagName, String caCommonName) {
        this.flagName = flagName;
        this.caCommonName = caCommonName;
    }

    /** The name used on the command line ({@code --tree}) and as the tree's directory name. */
    public String flagName() {
        return flagName;
    }

    /** The common name of this tree's CA. */
    public String caCommonName() {
        return caCommonName;
    }

    /**
     * The tree named {@code name} on the command line.
     *
     * @throws InvalidRequestException if no tree has that name
     */
    public static Tree fromFlag(String name) {
        for (Tree tree : values()) {
            if (tree.flagName.equals(name)) {
                return tree;
            }
        }
        throw new InvalidRequestException("unknown --tree '" + name + "' (expected "
                + Arrays.stream(values()).map(Tree::flagName).collect(Collectors.joining(" or ")) + ")");
    }
}
