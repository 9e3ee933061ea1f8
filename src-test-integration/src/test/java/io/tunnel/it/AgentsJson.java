package io.tunnel.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** The server's {@code /agents} (JSON: each linked agent with its links) read from its health port. */
public final class AgentsJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private AgentsJson() {
    }

    /** The JSON array of agents. */
    public static JsonNode read(TunnelFixture tunnel) throws IOException, InterruptedException {
        return JSON.readTree(tunnel.body(tunnel.healthPort(), "/agents"));
    }

    /** The links of agent {@code id}, empty if it is not linked. */
    public static List<JsonNode> links(JsonNode agents, String id) {
        List<JsonNode> links = new ArrayList<>();
        for (JsonNode agent : agents) {
            if (agent.get("id").asText().equals(id)) {
                agent.get("links").forEach(links::add);
            }
        }
        return links;
    }

    /** The texts of a JSON array. */
    public static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(n -> texts.add(n.asText()));
        return texts;
    }
}
