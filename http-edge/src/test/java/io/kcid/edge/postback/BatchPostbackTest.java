package io.kcid.edge.postback;

import static io.kcid.edge.support.Assertions.assertRejected;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.kcid.edge.support.EdgeFixture;
import io.kcid.edge.support.FakeBackend;
import io.kcid.edge.support.FakeBackend.Answer;
import io.kcid.edge.support.JsonMap;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.Outcome;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.proto.tracking.v1.RecordConversionResponse;
import io.kcid.proto.tracking.v1.RecordConversionResult;
import io.kcid.proto.tracking.v1.RecordConversionsRequest;
import io.kcid.proto.tracking.v1.RecordConversionsResponse;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BatchPostbackTest {
  private static final String JSON = "application/json";

  private final EdgeFixture fixture = new EdgeFixture();
  private final FakeBackend backend = fixture.backend;

  @BeforeEach
  void reset() {
    backend.reset();
    // By kcid: DUP is a duplicate, OLD is outside the window, BUSY hits a store outage.
    backend.onConversion(
        r -> switch (r.getKcid()) {
          case "DUP" -> Answer.ok(
              RecordConversionResponse.newBuilder()
                  .setOutcome(Outcome.OUTCOME_DUPLICATE)
                  .setConversionId("DUP-1")
                  .setDuplicateReason(ErrorReason.ERROR_REASON_DUPLICATE_TRANSACTION)
                  .build());
          case "OLD" -> Answer.fail(FakeBackend.kcidError(ErrorReason.ERROR_REASON_OUTSIDE_ATTRIBUTION_WINDOW, "click is 31 days old", null));
          case "BUSY" -> Answer.fail(FakeBackend.kcidError(ErrorReason.ERROR_REASON_STORE_UNAVAILABLE, "redis down", null));
          default -> Answer.ok(
              RecordConversionResponse.newBuilder().setOutcome(Outcome.OUTCOME_ACCEPTED).setConversionId(r.getKcid() + "-1").build());
        });
  }

  @AfterAll
  void stop() throws InterruptedException {
    fixture.close();
  }

  private HttpResponse<String> post(String pathAndQuery, String body, String... headers) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(fixture.uri(pathAndQuery))
            .header("Content-Type", JSON)
            .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    if (headers.length > 0) {
      request.headers(headers);
    }
    return fixture.send(request);
  }

  private RecordConversionsRequest sentBatch() throws InterruptedException {
    RecordConversionsRequest batch = backend.batches.poll(1, TimeUnit.SECONDS);
    assertThat(batch).as("batch reached the backend").isNotNull();
    return batch;
  }

  @Test
  void mixedResultsComeBackInRequestOrderFromOneBackendCall() throws Exception {
    String body =
        "[{\"clickid\":\"K0\",\"payout\":\"12.50\",\"order_id\":\"o-1\",\"event\":\"purchase\"},"
            + "{\"goal\":\"purchase\"},"
            + "{\"cid\":\"DUP\",\"txid\":\"o-2\"},"
            + "{\"subid\":\"OLD\"},"
            + "{\"kcid\":\"BUSY\",\"request_id\":\"r-4\"},"
            + "{\"kcid\":{\"nested\":1}},"
            + "{\"kcid\":\"K6\",\"event_time\":\"yesterday\"},"
            + "\"not an object\","
            + "{\"transaction_id\":\"K8\",\"amount\":3,\"currency\":\"EUR\",\"adv2\":7,\"test\":true}]";

    HttpResponse<String> response = post("/postbacks?token=t0k", body);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json; charset=utf-8");
    assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-store");
    List<Map<String, String>> results = JsonMap.results(response.body());
    assertThat(results).hasSize(9);
    assertThat(results.get(0)).isEqualTo(Map.of("index", "0", "status", "accepted", "conversion_id", "K0-1"));
    assertThat(results.get(1))
        .containsEntry("index", "1").containsEntry("status", "rejected").containsEntry("reason", "KCID_MISSING")
        .containsEntry("http_status", "400");
    assertThat(results.get(2))
        .isEqualTo(Map.of(
            "index", "2", "status", "duplicate", "reason", "DUPLICATE_TRANSACTION",
            "message", "Already recorded as DUP-1; nothing new was written.", "conversion_id", "DUP-1"));
    assertThat(results.get(3))
        .isEqualTo(Map.of(
            "index", "3", "status", "rejected", "reason", "OUTSIDE_ATTRIBUTION_WINDOW",
            "message", "click is 31 days old", "http_status", "422"));
    assertThat(results.get(4))
        .isEqualTo(Map.of("index", "4", "status", "retry", "reason", "STORE_UNAVAILABLE", "message", "redis down", "http_status", "503"));
    assertThat(results.get(5)).containsEntry("status", "rejected").containsEntry("reason", "INVALID_PARAMETER").containsEntry("http_status", "400");
    assertThat(results.get(5).get("message")).contains("'kcid'");
    assertThat(results.get(6)).containsEntry("reason", "INVALID_EVENT_TIME").containsEntry("http_status", "400");
    assertThat(results.get(7)).containsEntry("reason", "INVALID_PARAMETER").containsEntry("http_status", "400");
    assertThat(results.get(8)).containsEntry("status", "accepted").containsEntry("conversion_id", "K8-1");

    RecordConversionsRequest batch = sentBatch();
    assertThat(batch.getItemsList()).extracting(RecordConversionRequest::getKcid).containsExactly("K0", "DUP", "OLD", "BUSY", "K8");
    RecordConversionRequest first = batch.getItems(0);
    assertThat(first.getValue().getAmount()).isEqualTo("12.50");
    assertThat(first.getTransactionId()).isEqualTo("o-1");
    assertThat(first.getGoalKey()).isEqualTo("purchase");
    assertThat(batch.getItems(3).getRequestId()).isEqualTo("r-4");
    RecordConversionRequest last = batch.getItems(4);
    assertThat(last.getValue().getAmount()).isEqualTo("3");
    assertThat(last.getValue().getCurrencyCode()).isEqualTo("EUR");
    assertThat(last.getAdvSubIdsMap()).containsEntry("adv2", "7");
    assertThat(last.getTest()).isTrue();
    for (RecordConversionRequest item : batch.getItemsList()) {
      assertThat(item.getCredentials().getToken()).isEqualTo("t0k");
      assertThat(item.getCredentials().getClientIp()).isEqualTo("127.0.0.1");
      assertThat(item.getCredentials().getSignedBody().isEmpty()).isTrue();
    }
    assertThat(backend.batches).isEmpty();
    assertThat(backend.conversions).isEmpty();
  }

  @Test
  void wrappedFormBearerAndPerItemTokens() throws Exception {
    HttpResponse<String> response =
        post("/postbacks", "{\"postbacks\":[{\"kcid\":\"A\"},{\"kcid\":\"B\",\"token\":\"own\"}]}", "Authorization", "Bearer batch");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(JsonMap.results(response.body())).extracting(r -> r.get("status")).containsExactly("accepted", "accepted");
    RecordConversionsRequest batch = sentBatch();
    assertThat(batch.getItems(0).getCredentials().getToken()).isEqualTo("batch");
    assertThat(batch.getItems(1).getCredentials().getToken()).isEqualTo("own");
  }

  @Test
  void aSignedBatchForwardsTheRawBodyWithEveryItem() throws Exception {
    String body = "[ {\"kcid\":\"A\"},\n {\"kcid\":\"B\", \"value\": 1.0} ]";
    HttpResponse<String> response = post("/postbacks", body, "X-Kcid-Signature", "t=1714564800,v1=c2lnBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    for (RecordConversionRequest item : sentBatch().getItemsList()) {
      assertThat(item.getCredentials().getSignedBody().toByteArray()).isEqualTo(body.getBytes(StandardCharsets.UTF_8));
      assertThat(item.getCredentials().getSignature()).isEqualTo("c2lnBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB");
      assertThat(item.getCredentials().getSignatureTimestamp()).isEqualTo(1714564800L);
      assertThat(item.getCredentials().getToken()).isEmpty();
    }

    assertRejected(post("/postbacks", body, "X-Kcid-Signature", "t=now,v1=c2ln"), 401, "POSTBACK_SIGNATURE_INVALID", "t");
    assertThat(backend.batches).isEmpty();
  }

  @Test
  void moreThan100ItemsIs400WithoutABackendCall() throws Exception {
    assertRejected(post("/postbacks?token=t", items(101)), 400, "BATCH_TOO_LARGE", "100");
    assertThat(backend.batches).isEmpty();

    HttpResponse<String> full = post("/postbacks?token=t", items(100));
    assertThat(full.statusCode()).isEqualTo(200);
    assertThat(JsonMap.results(full.body())).hasSize(100).allSatisfy(r -> assertThat(r).containsEntry("status", "accepted"));
    assertThat(sentBatch().getItemsCount()).isEqualTo(100);
  }

  private static String items(int count) {
    return IntStream.range(0, count).mapToObj(i -> "{\"kcid\":\"K" + i + "\"}").collect(Collectors.joining(",", "[", "]"));
  }

  @Test
  void emptyBatchesAre400() {
    assertRejected(post("/postbacks?token=t", "[]"), 400, "MISSING_PARAMETER", "no postbacks");
    assertRejected(post("/postbacks?token=t", "{\"postbacks\":[]}"), 400, "MISSING_PARAMETER", "no postbacks");
    assertRejected(post("/postbacks?token=t", "{}"), 400, "MISSING_PARAMETER", "postbacks");
    assertRejected(post("/postbacks?token=t", ""), 400, "MISSING_PARAMETER", "empty");
    assertThat(backend.batches).isEmpty();
  }

  @Test
  void badBatchShapesAre400Or415() {
    assertRejected(post("/postbacks", "[{\"kcid\":\"A\"}"), 400, "INVALID_PARAMETER", "JSON");
    assertRejected(post("/postbacks", "{\"kcid\":\"A\"}"), 400, "INVALID_PARAMETER", "postbacks");
    assertRejected(post("/postbacks", "\"x\""), 400, "INVALID_PARAMETER", "array");
    assertRejected(post("/postbacks", "[{\"kcid\":\"A\"}] []"), 400, "INVALID_PARAMETER", "after");
    assertRejected(post("/postbacks?goal=x", "[{\"kcid\":\"A\"}]"), 400, "INVALID_PARAMETER", "'goal'");
    assertRejected(post("/postbacks?token=a", "[{\"kcid\":\"A\"}]", "Authorization", "Bearer b"), 400, "INVALID_PARAMETER", "token");
    assertRejected(post("/postbacks", "[{\"kcid\":\"A\"}]", "Idempotency-Key", "k"), 400, "INVALID_PARAMETER", "request_id");
    assertRejected(
        fixture.send(HttpRequest.newBuilder(fixture.uri("/postbacks")).header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString("kcid=A"))),
        415, "UNSUPPORTED_MEDIA_TYPE", "json");
    assertThat(backend.batches).isEmpty();
  }

  @Test
  void whenEveryItemFailsLocallyTheBackendIsNotCalled() {
    HttpResponse<String> response = post("/postbacks", "[{\"goal\":\"x\"},{\"kcid\":\"A\",\"test\":\"maybe\"}]");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(JsonMap.results(response.body())).extracting(r -> r.get("reason")).containsExactly("KCID_MISSING", "INVALID_PARAMETER");
    assertThat(backend.batches).isEmpty();
  }

  @Test
  void aFailedOrSlowBackendCallIs503ForTheWholeBatch() {
    backend.onBatch(r -> Answer.fail(FakeBackend.plain(Status.Code.UNAVAILABLE)));
    HttpResponse<String> down = post("/postbacks?token=t", items(3));
    assertRejected(down, 503, "BACKEND_UNAVAILABLE", "unknown");
    assertThat(down.headers().firstValue("Retry-After")).hasValue("3");

    backend.onBatch(r -> Answer.ok(FakeBackend.perItem(r, x -> Answer.ok(RecordConversionResponse.getDefaultInstance()))).after(Duration.ofSeconds(2)));
    assertRejected(post("/postbacks?token=t", items(2)), 503, "BACKEND_UNAVAILABLE", "unknown");

    backend.onBatch(r -> Answer.fail(FakeBackend.kcidError(ErrorReason.ERROR_REASON_POSTBACK_TOKEN_INVALID, "bad token", null)));
    assertRejected(post("/postbacks?token=t", items(2)), 401, "POSTBACK_TOKEN_INVALID", "bad token");
  }

  @Test
  void itemsTheBackendLeftUnansweredAreNeverSuccess() {
    backend.onBatch(
        r -> Answer.ok(RecordConversionsResponse.newBuilder()
            .addResults(RecordConversionResult.newBuilder().setIndex(1)
                .setResponse(RecordConversionResponse.newBuilder().setOutcome(Outcome.OUTCOME_ACCEPTED).setConversionId("B-1")))
            .addResults(RecordConversionResult.newBuilder().setIndex(7))
            .build()));
    HttpResponse<String> response = post("/postbacks?token=t", "[{\"kcid\":\"A\"},{\"kcid\":\"B\"}]");
    List<Map<String, String>> results = JsonMap.results(response.body());
    assertThat(results.get(0)).containsEntry("status", "rejected").containsEntry("reason", "INTERNAL").containsEntry("http_status", "500");
    assertThat(results.get(1)).containsEntry("status", "accepted").containsEntry("conversion_id", "B-1");
  }

  @Test
  void onlyPostIsAllowedAndTheRouteHasItsOwnMetricsLabel() {
    HttpResponse<String> get = fixture.get("/postbacks");
    assertRejected(get, 405, "METHOD_NOT_ALLOWED", "POST");
    assertThat(get.headers().firstValue("Allow")).hasValue("POST");
    assertThat(fixture.adminGet("/metrics").body()).contains("route=\"postbacks\",status=\"405\"");
  }
}
