package io.tunnel.agent.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Test data: the README's example review and Pods built from it. */
final class Reviews {
    static final ObjectMapper JSON = AdmissionReviews.strictMapper();
    static final String FQDN = "api.shoot.example.com.";
    /** The example shared with the README and the integration test (surefire runs in the module directory). */
    static final Path EXAMPLE = Path.of("..", "docs", "examples", "pod-admission-review.json");

    private Reviews() {
    }

    static ObjectNode example() {
        try {
            return (ObjectNode) JSON.readTree(Files.readString(EXAMPLE));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The example review with {@code spec} replaced. */
    static ObjectNode withSpec(String spec) {
        ObjectNode review = example();
        ((ObjectNode) review.get("request").get("object")).set("spec", parse(spec));
        return review;
    }

    static JsonNode pod(ObjectNode review) {
        return review.get("request").get("object");
    }
}
