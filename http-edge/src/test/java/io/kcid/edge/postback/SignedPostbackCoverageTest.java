package io.kcid.edge.postback;

import static io.kcid.edge.support.Assertions.assertRejected;
import static org.assertj.core.api.Assertions.assertThat;

import io.kcid.edge.support.EdgeFixture;
import io.kcid.edge.support.JsonMap;
import io.kcid.proto.tracking.v1.PostbackCredentials;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A signed postback carries nothing its signature does not cover: a query beside a signed body
 * (single or batch) and a signature over an empty payload are refused 401 before any backend call.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SignedPostbackCoverageTest {
  private static final String SIGNATURE = "t=1714564800,v1=c2lnBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";

  private final EdgeFixture fixture = new EdgeFixture();

  @BeforeEach
  void reset() {
    fixture.backend.reset();
  }

  @AfterAll
  void stop() throws InterruptedException {
    fixture.close();
  }

  private HttpResponse<String> post(String pathAndQuery, String contentType, String body, String... headers) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(fixture.uri(pathAndQuery))
            .header("Content-Type", contentType)
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (headers.length > 0) {
      request.headers(headers);
    }
    return fixture.send(request);
  }

  private HttpResponse<String> get(String pathAndQuery, String... headers) {
    HttpRequest.Builder request = HttpRequest.newBuilder(fixture.uri(pathAndQuery)).GET();
    if (headers.length > 0) {
      request.headers(headers);
    }
    return fixture.send(request);
  }

  private void assertUnsigned(HttpResponse<String> response, String field) {
    assertRejected(response, 401, "POSTBACK_PARAMETER_UNSIGNED", "'" + field + "'");
    Map<String, String> body = JsonMap.parse(response.body());
    assertThat(body).containsEntry("field", field);
    assertThat(body.get("message")).contains("not covered").doesNotContain("c2ln");
    if (!field.equals("sig")) {
      assertThat(body.get("message")).contains("move it into the signed body");
    }
    assertThat(fixture.backend.conversions).isEmpty();
    assertThat(fixture.backend.batches).isEmpty();
  }

  @Test
  void signedFormPostWithUnsignedQueryStatusIsRefused() {
    assertUnsigned(
        post("/postback?status=rejected", "application/x-www-form-urlencoded", "kcid=K&goal=sale",
            "X-Kcid-Signature", SIGNATURE),
        "status");
  }

  @Test
  void signedJsonPostWithUnsignedQueryValueIsRefusedNamingTheFirstParameter() {
    assertUnsigned(
        post("/postback?value=-5000.00&currency=USD", "application/json", "{\"kcid\":\"K\",\"value\":\"5.00\"}",
            "X-Kcid-Signature", SIGNATURE),
        "value");
  }

  @Test
  void signedPostWithATokenInTheQueryIsRefusedTheTokenIsAParameterToo() {
    assertUnsigned(
        post("/postback?token=t0k", "application/json", "{\"kcid\":\"K\"}", "X-Kcid-Signature", SIGNATURE), "token");
    // The same token as a header is a credential of its own and passes through.
    HttpResponse<String> bearer =
        post("/postback", "application/json", "{\"kcid\":\"K\"}", "X-Kcid-Signature", SIGNATURE,
            "Authorization", "Bearer t0k");
    assertThat(bearer.statusCode()).as(bearer.body()).isEqualTo(200);
  }

  @Test
  void signedPostWithAnEmptyBodyIsRefusedEvenWithTheKcidInTheQuery() {
    for (String path : new String[] {"/postback?kcid=K", "/postback"}) {
      HttpResponse<String> response = post(path, "application/json", "", "X-Kcid-Signature", SIGNATURE);
      assertRejected(response, 401, "POSTBACK_SIGNED_PAYLOAD_EMPTY", "empty body");
    }
    assertThat(fixture.backend.conversions).isEmpty();
  }

  @Test
  void signedGetWithAnEmptyQueryIsRefused() {
    for (String path : new String[] {"/postback", "/postback?", "/postback?kcid=&goal="}) {
      assertRejected(get(path, "X-Kcid-Signature", SIGNATURE), 401, "POSTBACK_SIGNED_PAYLOAD_EMPTY", "empty query");
    }
    assertThat(fixture.backend.conversions).isEmpty();
  }

  @Test
  void signedGetCoversEveryParameterIncludingAliasesAndRepeats() throws Exception {
    HttpResponse<String> response =
        get("/postback?clickid=K&kcid=K&payout=2.50&amount=2.50&order_id=o1&status=pending&status=pending&x=1",
            "X-Kcid-Signature", SIGNATURE);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    RecordConversionRequest sent = fixture.backend.conversions.poll(1, TimeUnit.SECONDS);
    assertThat(sent).isNotNull();
    PostbackCredentials credentials = sent.getCredentials();
    // Every name the request was built from is in what the server verifies the signature over.
    assertThat(credentials.getSignedQueryMap())
        .containsExactlyInAnyOrderEntriesOf(Map.of(
            "clickid", "K", "kcid", "K", "payout", "2.50", "amount", "2.50", "order_id", "o1", "status", "pending",
            "x", "1"));
    // Repeats that disagree are refused, never resolved by a rule the signature did not cover.
    assertRejected(get("/postback?kcid=K&status=approved&status=rejected", "X-Kcid-Signature", SIGNATURE),
        400, "INVALID_PARAMETER", "status");
  }

  @Test
  void signedGetWithASigParameterIsRefusedTheCanonicalQueryLeavesItOut() {
    assertUnsigned(get("/postback?kcid=K&sig=abc", "X-Kcid-Signature", SIGNATURE), "sig");
  }

  @Test
  void signedBatchWithAQueryIsRefusedEvenTheBatchToken() {
    assertUnsigned(
        post("/postbacks?token=t0k", "application/json", "[{\"kcid\":\"K\"}]", "X-Kcid-Signature", SIGNATURE), "token");
    assertUnsigned(
        post("/postbacks?status=rejected", "application/json", "[{\"kcid\":\"K\"}]", "X-Kcid-Signature", SIGNATURE),
        "status");
  }

  @Test
  void signedBatchWithAnEmptyBodyIsRefused() {
    assertRejected(post("/postbacks", "application/json", "", "X-Kcid-Signature", SIGNATURE), 401,
        "POSTBACK_SIGNED_PAYLOAD_EMPTY", "empty body");
    assertThat(fixture.backend.batches).isEmpty();
  }

  @Test
  void unsignedPostbacksMayStillMixQueryAndBody() {
    HttpResponse<String> response = post("/postback?token=t0k", "application/json", "{\"kcid\":\"K\"}");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
  }
}
