package io.tunnel.agent.webhook;

import static io.tunnel.agent.webhook.Reviews.FQDN;
import static io.tunnel.agent.webhook.Reviews.JSON;
import static io.tunnel.agent.webhook.Reviews.parse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** The AdmissionReview envelope: what is answered, with which uid and version, and what is refused. */
class AdmissionReviewsTest {
    private final AdmissionReviews reviews = new AdmissionReviews(JSON, new PodEnvPatch(FQDN));

    private JsonNode response(JsonNode review) throws Exception {
        return reviews.answer(review).review().get("response");
    }

    private static JsonNode decodedPatch(JsonNode response) {
        return parse(new String(Base64.getDecoder().decode(response.get("patch").asText()),
                java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void aPodIsAllowedWithItsPatch() throws Exception {
        ObjectNode example = Reviews.example();
        AdmissionReviews.Answer answer = reviews.answer(example);
        assertThat(answer.review().get("apiVersion").asText()).isEqualTo("admission.k8s.io/v1");
        assertThat(answer.review().get("kind").asText()).isEqualTo("AdmissionReview");
        assertThat(answer.review().fieldNames()).toIterable().containsExactly("apiVersion", "kind", "response");
        JsonNode response = answer.review().get("response");
        assertThat(response.get("uid").asText()).isEqualTo("0a6c3a2e-7c1d-4b8e-9a55-2f3e4d5c6b7a");
        assertThat(response.get("allowed").asBoolean()).isTrue();
        assertThat(response.get("patchType").asText()).isEqualTo("JSONPatch");
        assertThat(decodedPatch(response)).isEqualTo(new PodEnvPatch(FQDN).operations(Reviews.pod(example)));
        assertThat(answer).extracting(AdmissionReviews.Answer::uid, AdmissionReviews.Answer::pod,
                AdmissionReviews.Answer::operations).containsExactly("0a6c3a2e-7c1d-4b8e-9a55-2f3e4d5c6b7a", "shop/web", 2);
    }

    @Test
    void aV1beta1ReviewIsAnsweredInV1beta1() throws Exception {
        ObjectNode review = Reviews.example().put("apiVersion", "admission.k8s.io/v1beta1");
        assertThat(reviews.answer(review).review().get("apiVersion").asText()).isEqualTo("admission.k8s.io/v1beta1");
    }

    @Test
    void aPodThatNeedsNothingIsAllowedWithoutPatch() throws Exception {
        JsonNode response = response(Reviews.withSpec("""
                {"containers": [{"name": "c", "env": [{"name": "KUBERNETES_SERVICE_HOST",
                                                       "value": "api.shoot.example.com."}]}]}"""));
        assertThat(response.fieldNames()).toIterable().containsExactly("uid", "allowed");
        assertThat(response.get("allowed").asBoolean()).isTrue();
    }

    @Test
    void otherKindsSubresourcesAndRequestsWithoutObjectAreAllowedUnchanged() throws Exception {
        ObjectNode service = Reviews.example();
        ((ObjectNode) service.get("request").get("kind")).put("kind", "Service");
        ObjectNode deployment = Reviews.example();
        ((ObjectNode) deployment.get("request").get("kind")).put("group", "apps").put("kind", "Deployment");
        ObjectNode status = Reviews.example();
        ((ObjectNode) status.get("request")).put("subResource", "status");
        ObjectNode delete = Reviews.example();
        ((ObjectNode) delete.get("request")).put("operation", "DELETE").putNull("object");
        for (ObjectNode review : new ObjectNode[] {service, deployment, status, delete}) {
            JsonNode response = response(review);
            assertThat(response.fieldNames()).toIterable().containsExactly("uid", "allowed");
            assertThat(response.get("allowed").asBoolean()).isTrue();
        }
    }

    @Test
    void whatIsNotAReviewWithARequestIsRefused() {
        ObjectNode otherKind = Reviews.example().put("kind", "TokenReview");
        ObjectNode otherVersion = Reviews.example().put("apiVersion", "admission.k8s.io/v2");
        ObjectNode noRequest = Reviews.example();
        noRequest.remove("request");
        ObjectNode requestNotObject = Reviews.example().put("request", "yes");
        ObjectNode noUid = Reviews.example();
        ((ObjectNode) noUid.get("request")).remove("uid");
        ObjectNode numericUid = Reviews.example();
        ((ObjectNode) numericUid.get("request")).put("uid", 7);
        assertRefused(parse("[1, 2]"), AdmissionReviews.BadReviewException.NOT_A_REVIEW);
        assertRefused(otherKind, AdmissionReviews.BadReviewException.NOT_A_REVIEW);
        assertRefused(otherVersion, AdmissionReviews.BadReviewException.NOT_A_REVIEW);
        assertRefused(noRequest, AdmissionReviews.BadReviewException.NO_REQUEST);
        assertRefused(requestNotObject, AdmissionReviews.BadReviewException.NO_REQUEST);
        assertRefused(noUid, AdmissionReviews.BadReviewException.NO_UID);
        assertRefused(numericUid, AdmissionReviews.BadReviewException.NO_UID);
        assertRefused(Reviews.withSpec("{\"containers\": 5}"), AdmissionReviews.BadReviewException.MALFORMED_POD);
    }

    private void assertRefused(JsonNode review, String body) {
        assertThatThrownBy(() -> reviews.answer(review)).isInstanceOf(AdmissionReviews.BadReviewException.class)
                .hasMessage(body);
    }
}
