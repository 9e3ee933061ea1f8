package io.tunnel.agent.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * The JSON Patch (RFC 6902) that sets {@code KUBERNETES_SERVICE_HOST} to one value in every init container and
 * container of a Pod: {@code add} of an {@code env} list where a container has none, {@code add} at the end of its
 * list where it has no such variable, {@code replace} of each entry with that name that differs (another value, or
 * a {@code valueFrom}). A Pod that needs no change gets an empty patch.
 */
public final class PodEnvPatch {
    public static final String VARIABLE = "KUBERNETES_SERVICE_HOST";
    /** The container lists that are patched, in the order of the operations. */
    static final List<String> CONTAINER_LISTS = List.of("initContainers", "containers");

    private final JsonNodeFactory nodes = JsonNodeFactory.instance;
    private final ObjectNode entry;

    /** @param host the value of {@value #VARIABLE} */
    public PodEnvPatch(String host) {
        this.entry = nodes.objectNode().put("name", VARIABLE).put("value", host);
    }

    /**
     * The operations that make {@code pod} carry the variable everywhere.
     *
     * @throws MalformedPodException if a container list, a container or an {@code env} is not what a Pod has there
     */
    public ArrayNode operations(JsonNode pod) throws MalformedPodException {
        ArrayNode operations = nodes.arrayNode();
        JsonNode spec = pod.path("spec");
        for (String list : CONTAINER_LISTS) {
            JsonNode containers = spec.path(list);
            if (containers.isMissingNode() || containers.isNull()) {
                continue;
            }
            if (!containers.isArray()) {
                throw new MalformedPodException("spec." + list + " is not a list");
            }
            for (int i = 0; i < containers.size(); i++) {
                JsonNode container = containers.get(i);
                if (!container.isObject()) {
                    throw new MalformedPodException("spec." + list + "[" + i + "] is not an object");
                }
                patchContainer(operations, "/spec/" + list + "/" + i + "/env", container.get("env"));
            }
        }
        return operations;
    }

    private void patchContainer(ArrayNode operations, String envPath, JsonNode env) throws MalformedPodException {
        if (env == null || env.isNull()) {
            operations.add(operation("add", envPath, nodes.arrayNode().add(entry.deepCopy())));
            return;
        }
        if (!env.isArray()) {
            throw new MalformedPodException(envPath + " is not a list");
        }
        boolean found = false;
        for (int j = 0; j < env.size(); j++) {
            JsonNode variable = env.get(j);
            if (VARIABLE.equals(variable.path("name").asText(null))) {
                found = true;
                if (!entry.equals(variable)) {
                    operations.add(operation("replace", envPath + "/" + j, entry.deepCopy()));
                }
            }
        }
        if (!found) {
            operations.add(operation("add", envPath + "/-", entry.deepCopy()));
        }
    }

    private ObjectNode operation(String op, String path, JsonNode value) {
        ObjectNode operation = nodes.objectNode().put("op", op).put("path", path);
        operation.set("value", value);
        return operation;
    }

    /** A Pod whose shape is not a Pod's; the message names the place, never the content. */
    public static final class MalformedPodException extends Exception {
        private static final long serialVersionUID = 1L;

        MalformedPodException(String message) {
            super(message);
        }
    }
}
