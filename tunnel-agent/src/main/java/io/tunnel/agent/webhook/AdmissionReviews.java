package io.tunnel.agent.webhook;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Base64;
import java.util.Set;

/**
 * Reads an {@code AdmissionReview} and writes the answer: the same {@code apiVersion} and {@code uid},
 * {@code allowed: true} and, for a Pod that needs it, the {@link PodEnvPatch} as {@code patchType: JSONPatch} with
 * the patch base64-encoded. Anything that is not a Pod itself (another kind, a subresource such as
 * {@code pods/status}, a request without an object such as a DELETE) is allowed unchanged.
 */
public final class AdmissionReviews {
    /** The review versions the apiserver may send (a webhook configuration lists the ones it accepts). */
    static final Set<String> API_VERSIONS = Set.of("admission.k8s.io/v1", "admission.k8s.io/v1beta1");
    static final String KIND = "AdmissionReview";

    private final ObjectMapper json;
    private final PodEnvPatch patch;

    public AdmissionReviews(ObjectMapper json, PodEnvPatch patch) {
        this.json = json;
        this.patch = patch;
    }

    /**
     * A mapper that refuses what a lenient one would guess about: a key given twice, anything after the document.
     */
    public static ObjectMapper strictMapper() {
        return JsonMapper.builder()
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .build();
    }

    /** What an answered review did, for the log. */
    public record Answer(ObjectNode review, String uid, String pod, int operations) {
    }

    /**
     * Answers {@code review}.
     *
     * @throws BadReviewException if it is not an AdmissionReview with a request and a uid, or its Pod is malformed
     */
    public Answer answer(JsonNode review) throws BadReviewException {
        if (!review.isObject() || !KIND.equals(review.path("kind").asText(null))
                || !API_VERSIONS.contains(review.path("apiVersion").asText(null))) {
            throw new BadReviewException(BadReviewException.NOT_A_REVIEW);
        }
        JsonNode request = review.get("request");
        if (request == null || !request.isObject()) {
            throw new BadReviewException(BadReviewException.NO_REQUEST);
        }
        JsonNode uid = request.get("uid");
        if (uid == null || !uid.isTextual()) {
            throw new BadReviewException(BadReviewException.NO_UID);
        }
        ObjectNode response = json.createObjectNode().put("uid", uid.asText()).put("allowed", true);
        int operations = 0;
        if (isPod(request)) {
            ArrayNode ops;
            try {
                ops = patch.operations(request.get("object"));
            } catch (PodEnvPatch.MalformedPodException e) {
                throw new BadReviewException(BadReviewException.MALFORMED_POD);
            }
            if (!ops.isEmpty()) {
                response.put("patchType", "JSONPatch").put("patch", base64(ops));
                operations = ops.size();
            }
        }
        ObjectNode answer = json.createObjectNode()
                .put("apiVersion", review.get("apiVersion").asText())
                .put("kind", KIND);
        answer.set("response", response);
        String pod = request.path("namespace").asText("") + "/" + request.path("name").asText("");
        return new Answer(answer, uid.asText(), pod, operations);
    }

    /** A Pod create or update: kind {@code /v1 Pod} of the core group, not a subresource, with an object. */
    private static boolean isPod(JsonNode request) {
        JsonNode kind = request.path("kind");
        return kind.path("group").asText("").isEmpty() && "Pod".equals(kind.path("kind").asText(null))
                && request.path("subResource").asText("").isEmpty() && request.path("object").isObject();
    }

    private String base64(ArrayNode operations) {
        try {
            return Base64.getEncoder().encodeToString(json.writeValueAsBytes(operations));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree that cannot be written", e);
        }
    }

    /** A review the webhook cannot answer; its message is a constant text for the 400 body. */
    public static final class BadReviewException extends Exception {
        static final String NOT_JSON = "the request body is not JSON\n";
        static final String NOT_A_REVIEW = "the request body is not an admission.k8s.io/v1 AdmissionReview\n";
        static final String NO_REQUEST = "the AdmissionReview has no request\n";
        static final String NO_UID = "the AdmissionReview's request has no uid\n";
        static final String MALFORMED_POD = "the AdmissionReview's Pod is malformed\n";
        private static final long serialVersionUID = 1L;

        BadReviewException(String body) {
            super(body, null, false, false);
        }
    }
}
