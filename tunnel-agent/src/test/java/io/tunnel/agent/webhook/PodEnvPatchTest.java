package io.tunnel.agent.webhook;

import static io.tunnel.agent.webhook.Reviews.FQDN;
import static io.tunnel.agent.webhook.Reviews.parse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.flipkart.zjsonpatch.JsonPatch;
import org.junit.jupiter.api.Test;

/**
 * The patch as a pure function of the Pod: the operations it returns, and what applying them with an independent
 * JSON Patch implementation (zjsonpatch) makes of the Pod.
 */
class PodEnvPatchTest {
    private final PodEnvPatch patch = new PodEnvPatch(FQDN);

    private ArrayNode operations(JsonNode pod) throws Exception {
        return patch.operations(pod);
    }

    private JsonNode pod(String spec) {
        return Reviews.pod(Reviews.withSpec(spec));
    }

    /** Applies the patch; the result carries the variable everywhere, and a second patch is empty. */
    private JsonNode apply(JsonNode pod) throws Exception {
        JsonNode patched = JsonPatch.apply(operations(pod), pod);
        assertThat(operations(patched)).as("patch of the patched pod").isEmpty();
        return patched;
    }

    @Test
    void theSeedsExampleGetsTwoAdds() throws Exception {
        JsonNode pod = Reviews.pod(Reviews.example());
        assertThat(operations(pod)).isEqualTo(parse("""
                [
                  {"op": "add", "path": "/spec/initContainers/0/env",
                   "value": [{"name": "KUBERNETES_SERVICE_HOST", "value": "api.shoot.example.com."}]},
                  {"op": "add", "path": "/spec/containers/0/env",
                   "value": [{"name": "KUBERNETES_SERVICE_HOST", "value": "api.shoot.example.com."}]}
                ]"""));
        JsonNode patched = apply(pod);
        assertThat(patched.at("/spec/initContainers/0/env")).isEqualTo(parse("""
                [{"name": "KUBERNETES_SERVICE_HOST", "value": "api.shoot.example.com."}]"""));
        assertThat(patched.at("/spec/containers/0/env")).isEqualTo(patched.at("/spec/initContainers/0/env"));
        assertThat(patched.at("/spec/containers/0/ports")).isEqualTo(pod.at("/spec/containers/0/ports"));
    }

    @Test
    void existingEnvGetsTheVariableAppended() throws Exception {
        JsonNode pod = pod("""
                {"containers": [{"name": "web", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]}]}""");
        assertThat(operations(pod)).isEqualTo(parse("""
                [{"op": "add", "path": "/spec/containers/0/env/-",
                  "value": {"name": "KUBERNETES_SERVICE_HOST", "value": "api.shoot.example.com."}}]"""));
        assertThat(apply(pod).at("/spec/containers/0/env")).isEqualTo(parse("""
                [{"name": "A", "value": "1"}, {"name": "B", "value": "2"},
                 {"name": "KUBERNETES_SERVICE_HOST", "value": "api.shoot.example.com."}]"""));
    }

    @Test
    void anEmptyEnvGetsTheVariableAppended() throws Exception {
        JsonNode pod = pod("""
                {"containers": [{"name": "web", "env": []}]}""");
        assertThat(operations(pod)).extracting(op -> op.get("path").asText())
                .containsExactly("/spec/containers/0/env/-");
        assertThat(apply(pod).at("/spec/containers/0/env")).hasSize(1);
    }

    @Test
    void anotherValueOrAValueFromIsReplacedInPlace() throws Exception {
        JsonNode pod = pod("""
                {"containers": [
                  {"name": "a", "env": [{"name": "X", "value": "1"},
                                        {"name": "KUBERNETES_SERVICE_HOST", "value": "10.96.0.1"}]},
                  {"name": "b", "env": [{"name": "KUBERNETES_SERVICE_HOST",
                                         "valueFrom": {"configMapKeyRef": {"name": "c", "key": "k"}}}]}
                ]}""");
        assertThat(operations(pod)).isEqualTo(parse("""
                [{"op": "replace", "path": "/spec/containers/0/env/1",
                  "value": {"name": "KUBERNETES_SERVICE_HOST", "value": "api.shoot.example.com."}},
                 {"op": "replace", "path": "/spec/containers/1/env/0",
                  "value": {"name": "KUBERNETES_SERVICE_HOST", "value": "api.shoot.example.com."}}]"""));
        JsonNode patched = apply(pod);
        assertThat(patched.at("/spec/containers/0/env")).isEqualTo(parse("""
                [{"name": "X", "value": "1"}, {"name": "KUBERNETES_SERVICE_HOST", "value": "api.shoot.example.com."}]"""));
        assertThat(patched.at("/spec/containers/1/env")).isEqualTo(parse("""
                [{"name": "KUBERNETES_SERVICE_HOST", "value": "api.shoot.example.com."}]"""));
    }

    @Test
    void aPodThatAlreadyHasItEverywhereNeedsNothing() throws Exception {
        JsonNode pod = pod("""
                {"initContainers": [{"name": "i", "env": [{"name": "KUBERNETES_SERVICE_HOST",
                                                           "value": "api.shoot.example.com."}]}],
                 "containers": [{"name": "c", "env": [{"name": "Y", "value": "y"},
                                                      {"name": "KUBERNETES_SERVICE_HOST",
                                                       "value": "api.shoot.example.com."}]}]}""");
        assertThat(operations(pod)).isEmpty();
    }

    @Test
    void severalContainersEachGetWhatTheyNeed() throws Exception {
        JsonNode pod = pod("""
                {"initContainers": [{"name": "i0"}, {"name": "i1", "env": [{"name": "Z", "value": "z"}]}],
                 "containers": [
                   {"name": "c0", "env": [{"name": "KUBERNETES_SERVICE_HOST", "value": "api.shoot.example.com."}]},
                   {"name": "c1", "env": null},
                   {"name": "c2", "env": [{"name": "KUBERNETES_SERVICE_HOST", "value": "old"}]}
                 ]}""");
        assertThat(operations(pod)).extracting(op -> op.get("op").asText() + " " + op.get("path").asText())
                .containsExactly(
                        "add /spec/initContainers/0/env",
                        "add /spec/initContainers/1/env/-",
                        "add /spec/containers/1/env",
                        "replace /spec/containers/2/env/0");
        JsonNode patched = apply(pod);
        for (String list : PodEnvPatch.CONTAINER_LISTS) {
            for (JsonNode container : patched.at("/spec/" + list)) {
                assertThat(container.get("env")).filteredOn(e -> e.get("name").asText().equals(PodEnvPatch.VARIABLE))
                        .singleElement().isEqualTo(parse("""
                                {"name": "KUBERNETES_SERVICE_HOST", "value": "api.shoot.example.com."}"""));
            }
        }
        assertThat(patched.at("/spec/initContainers/1/env/0")).isEqualTo(parse("""
                {"name": "Z", "value": "z"}"""));
    }

    @Test
    void ephemeralContainersAreLeftAlone() throws Exception {
        JsonNode pod = pod("""
                {"containers": [], "ephemeralContainers": [{"name": "debug"}]}""");
        assertThat(operations(pod)).isEmpty();
    }

    @Test
    void aPodWithoutSpecOrContainersNeedsNothing() throws Exception {
        assertThat(operations(parse("{\"kind\": \"Pod\"}"))).isEmpty();
        assertThat(operations(pod("{}"))).isEmpty();
    }

    @Test
    void aMalformedPodIsRefusedWithThePlace() {
        assertThatThrownBy(() -> operations(pod("{\"containers\": {\"name\": \"c\"}}")))
                .isInstanceOf(PodEnvPatch.MalformedPodException.class).hasMessage("spec.containers is not a list");
        assertThatThrownBy(() -> operations(pod("{\"initContainers\": [\"c\"]}")))
                .isInstanceOf(PodEnvPatch.MalformedPodException.class)
                .hasMessage("spec.initContainers[0] is not an object");
        assertThatThrownBy(() -> operations(pod("{\"containers\": [{\"name\": \"c\", \"env\": {\"A\": \"1\"}}]}")))
                .isInstanceOf(PodEnvPatch.MalformedPodException.class)
                .hasMessage("/spec/containers/0/env is not a list");
    }
}
