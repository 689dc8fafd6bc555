package io.kcid.edge.postback;

import static io.kcid.edge.support.Assertions.assertRejected;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Timestamp;
import io.kcid.edge.support.EdgeFixture;
import io.kcid.edge.support.FakeBackend;
import io.kcid.edge.support.FakeBackend.Answer;
import io.kcid.edge.support.JsonMap;
import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.Outcome;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.proto.tracking.v1.RecordConversionResponse;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PostbackTest {
  private static final String FORM = "application/x-www-form-urlencoded";
  private static final String JSON = "application/json";

  private final EdgeFixture fixture = new EdgeFixture();
  private final FakeBackend backend = fixture.backend;

  @BeforeEach
  void reset() {
    backend.reset();
  }

  @AfterAll
  void stop() throws InterruptedException {
    fixture.close();
  }

  private RecordConversionRequest sent() throws InterruptedException {
    RecordConversionRequest request = backend.conversions.poll(1, TimeUnit.SECONDS);
    assertThat(request).as("request reached the backend").isNotNull();
    return request;
  }

  @Test
  void anAcceptedConversionOnAFlaggedClickNamesTheRuleInTheAnswer() throws Exception {
    backend.onConversion(r -> Answer.ok(io.kcid.proto.tracking.v1.RecordConversionResponse.newBuilder()
        .setOutcome(io.kcid.proto.tracking.v1.Outcome.OUTCOME_ACCEPTED).setConversionId("K1-1")
        .setConversion(io.kcid.proto.tracking.v1.Conversion.newBuilder()
            .setStatus(io.kcid.proto.tracking.v1.ConversionStatus.CONVERSION_STATUS_PENDING)
            .setStatusReason(ErrorReason.ERROR_REASON_CLICK_FLAGGED_BOT))
        .build()));

    HttpResponse<String> response = fixture.get("/postback?kcid=K1&token=t0k");

    assertThat(response.statusCode()).isEqualTo(200);
    Map<String, String> body = JsonMap.parse(response.body());
    assertThat(body).containsEntry("status", "accepted").containsEntry("reason", "CLICK_FLAGGED_BOT")
        .containsEntry("conversion_id", "K1-1");
    assertThat(body.get("message")).startsWith("Recorded as pending; its click was flagged as a bot");
  }

  @Test
  void getQueryIsForwardedFieldByField() throws Exception {
    HttpResponse<String> response =
        fixture.get(
            "/postback?kcid=K1&goal=purchase&value=12.50&currency=EUR&txid=o-9&status=Pending&event_time=1714564800"
                + "&adv1=x&adv5=y%20z&test=1&request_id=r-1&token=t0k&account=acme");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json; charset=utf-8");
    assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-store");
    assertThat(JsonMap.parse(response.body())).isEqualTo(Map.of("status", "accepted", "conversion_id", "K1-1"));
    RecordConversionRequest sent = sent();
    assertThat(sent.getKcid()).isEqualTo("K1");
    assertThat(sent.getGoalKey()).isEqualTo("purchase");
    assertThat(sent.getValue().getAmount()).isEqualTo("12.50");
    assertThat(sent.getValue().getCurrencyCode()).isEqualTo("EUR");
    assertThat(sent.getTransactionId()).isEqualTo("o-9");
    assertThat(sent.getStatus()).isEqualTo(ConversionStatus.CONVERSION_STATUS_PENDING);
    assertThat(sent.getEventTime()).isEqualTo(Timestamp.newBuilder().setSeconds(1714564800).build());
    assertThat(sent.getAdvSubIdsMap()).isEqualTo(Map.of("adv1", "x", "adv5", "y z"));
    assertThat(sent.getTest()).isTrue();
    assertThat(sent.getRequestId()).isEqualTo("r-1");
    assertThat(sent.getCredentials().getToken()).isEqualTo("t0k");
    assertThat(sent.getAccountId()).isEqualTo("acme");
  }

  @Test
  void postFormBodyMergesWithTheQuery() throws Exception {
    HttpResponse<String> response = fixture.post("/postback?token=t0k", FORM, "clickid=K2&amount=3&order_id=A%2B1&event=signup");

    assertThat(response.statusCode()).isEqualTo(200);
    RecordConversionRequest sent = sent();
    assertThat(sent.getKcid()).isEqualTo("K2");
    assertThat(sent.getValue().getAmount()).isEqualTo("3");
    assertThat(sent.getTransactionId()).isEqualTo("A+1");
    assertThat(sent.getGoalKey()).isEqualTo("signup");
    assertThat(sent.getCredentials().getToken()).isEqualTo("t0k");
  }

  @Test
  void postJsonKeepsNumbersAsTheirLiteralText() throws Exception {
    HttpResponse<String> response =
        fixture.post(
            "/postback",
            "application/json; charset=utf-8",
            "{\"cid\":\"K3\",\"payout\":12.50,\"currency\":\"USD\",\"orderid\":12345678901234567890,"
                + "\"test\":false,\"token\":\"t0k\",\"adv2\":7,\"note\":null,\"junk\":\"x\"}");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    RecordConversionRequest sent = sent();
    assertThat(sent.getKcid()).isEqualTo("K3");
    assertThat(sent.getValue().getAmount()).isEqualTo("12.50");
    assertThat(sent.getTransactionId()).isEqualTo("12345678901234567890");
    assertThat(sent.getTest()).isFalse();
    assertThat(sent.getAdvSubIdsMap()).containsEntry("adv2", "7");
  }

  @ParameterizedTest
  @CsvSource({"kcid", "clickid", "click_id", "cid", "subid", "transaction_id"})
  void everyKcidAliasIsAccepted(String alias) throws Exception {
    assertThat(fixture.get("/postback?token=t&" + alias + "=KX").statusCode()).isEqualTo(200);
    assertThat(sent().getKcid()).isEqualTo("KX");
  }

  @ParameterizedTest
  @CsvSource({"value", "amount", "payout", "revenue", "sum"})
  void everyValueAliasIsAccepted(String alias) throws Exception {
    fixture.get("/postback?token=t&kcid=K&" + alias + "=9.99");
    assertThat(sent().getValue().getAmount()).isEqualTo("9.99");
  }

  @Test
  void sameValueUnderSeveralAliasesIsFine() throws Exception {
    assertThat(fixture.get("/postback?token=t&kcid=K&clickid=K&subid=&txid=1&order_id=1").statusCode()).isEqualTo(200);
    assertThat(sent().getKcid()).isEqualTo("K");
  }

  @Test
  void conflictingAliasesAreRejectedNamingBoth() {
    HttpResponse<String> response = fixture.get("/postback?token=t&kcid=K1&clickid=K2");
    assertRejected(response, 400, "INVALID_PARAMETER", "'kcid' and 'clickid'");
    assertRejected(fixture.get("/postback?token=t&kcid=K&amount=1&payout=2"), 400, "INVALID_PARAMETER", "'amount' and 'payout'");
    assertThat(backend.conversions).isEmpty();
  }

  @Test
  void queryAndBodyDisagreeingIsRejected() {
    assertRejected(fixture.post("/postback?kcid=K1&token=t", FORM, "kcid=K2"), 400, "INVALID_PARAMETER", "'kcid'");
    assertThat(fixture.post("/postback?kcid=K1&token=t", FORM, "kcid=K1").statusCode()).isEqualTo(200);
  }

  @Test
  void bearerTokenIsForwardedAndMustAgreeWithTheParameter() throws Exception {
    HttpResponse<String> bearer =
        fixture.send(HttpRequest.newBuilder(fixture.uri("/postback?kcid=K")).header("Authorization", "Bearer s3cret").GET());
    assertThat(bearer.statusCode()).isEqualTo(200);
    assertThat(sent().getCredentials().getToken()).isEqualTo("s3cret");

    HttpResponse<String> both =
        fixture.send(HttpRequest.newBuilder(fixture.uri("/postback?kcid=K&token=other")).header("Authorization", "bearer s3cret").GET());
    assertRejected(both, 400, "INVALID_PARAMETER", "token");
    assertThat(backend.conversions).isEmpty();
  }

  @Test
  void idempotencyKeyHeaderBecomesTheRequestId() throws Exception {
    fixture.send(HttpRequest.newBuilder(fixture.uri("/postback?kcid=K&token=t")).header("Idempotency-Key", "idem-7").GET());
    assertThat(sent().getRequestId()).isEqualTo("idem-7");
  }

  @Test
  void noCredentialsAtAllStillReachTheBackendWhichDecides() throws Exception {
    // IP-allowlist accounts present no credential: only the server knows whether one is needed.
    assertThat(fixture.get("/postback?kcid=K").statusCode()).isEqualTo(200);
    RecordConversionRequest sent = sent();
    assertThat(sent.getCredentials().getToken()).isEmpty();
    assertThat(sent.getCredentials().getSignature()).isEmpty();
    assertThat(sent.getCredentials().getClientIp()).isEqualTo("127.0.0.1");

    backend.onConversion(r -> Answer.fail(FakeBackend.kcidError(ErrorReason.ERROR_REASON_POSTBACK_CREDENTIALS_MISSING, "no token", null)));
    HttpResponse<String> basic =
        fixture.send(HttpRequest.newBuilder(fixture.uri("/postback?kcid=K")).header("Authorization", "Basic dTpw").GET());
    assertRejected(basic, 401, "POSTBACK_CREDENTIALS_MISSING", "no token");
    assertThat(sent().getCredentials().getToken()).isEmpty();
  }

  @Test
  void missingKcidIs400AndMacrosAreLeftToTheServer() throws Exception {
    assertRejected(fixture.get("/postback?token=t&goal=x"), 400, "KCID_MISSING", "kcid");
    assertRejected(fixture.get("/postback?token=t&kcid="), 400, "KCID_MISSING", "kcid");
    assertThat(backend.conversions).isEmpty();

    backend.onConversion(r -> Answer.fail(FakeBackend.kcidError(ErrorReason.ERROR_REASON_KCID_MACRO_NOT_REPLACED, "kcid is the literal macro {kcid}", null)));
    assertRejected(fixture.get("/postback?token=t&kcid=%7Bkcid%7D"), 400, "KCID_MACRO_NOT_REPLACED", "macro");
    assertThat(sent().getKcid()).isEqualTo("{kcid}");
  }

  @Test
  void duplicateIs200WithTheOriginalConversion() {
    backend.onConversion(
        r -> Answer.ok(
            RecordConversionResponse.newBuilder()
                .setOutcome(Outcome.OUTCOME_DUPLICATE)
                .setConversionId("K-1")
                .setDuplicateReason(ErrorReason.ERROR_REASON_DUPLICATE_TRANSACTION)
                .build()));

    HttpResponse<String> response = fixture.get("/postback?kcid=K&token=t&txid=o1");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(JsonMap.parse(response.body()))
        .containsExactly(
            Map.entry("status", "duplicate"),
            Map.entry("reason", "DUPLICATE_TRANSACTION"),
            Map.entry("message", "Already recorded as K-1; nothing new was written."),
            Map.entry("conversion_id", "K-1"));
  }

  @Test
  void unspecifiedOutcomeIsNeverSuccess() {
    backend.onConversion(r -> Answer.ok(RecordConversionResponse.newBuilder().setConversionId("K-1").build()));
    assertRejected(fixture.get("/postback?kcid=K&token=t"), 500, "INTERNAL", "");
  }

  @Test
  void backendRejectionsUseTheTable() {
    backend.onConversion(r -> Answer.fail(FakeBackend.kcidError(ErrorReason.ERROR_REASON_CLICK_NOT_FOUND, "no click K", null)));
    assertRejected(fixture.get("/postback?kcid=K&token=t"), 404, "CLICK_NOT_FOUND", "no click K");

    backend.onConversion(r -> Answer.fail(FakeBackend.kcidError(ErrorReason.ERROR_REASON_OUTSIDE_ATTRIBUTION_WINDOW, "click is 31 days old", null)));
    assertRejected(fixture.get("/postback?kcid=K&token=t"), 422, "OUTSIDE_ATTRIBUTION_WINDOW", "31 days");

    backend.onConversion(r -> Answer.fail(FakeBackend.kcidError(ErrorReason.ERROR_REASON_POSTBACK_TOKEN_INVALID, "bad token", null)));
    assertRejected(fixture.get("/postback?kcid=K&token=t"), 401, "POSTBACK_TOKEN_INVALID", "bad token");

    backend.onConversion(r -> Answer.fail(FakeBackend.kcidError(ErrorReason.ERROR_REASON_REQUEST_ID_REUSED, "request id reused", "K-3")));
    HttpResponse<String> reused = fixture.get("/postback?kcid=K&token=t&request_id=r");
    assertRejected(reused, 409, "REQUEST_ID_REUSED", "reused");
    assertThat(JsonMap.parse(reused.body())).containsEntry("conversion_id", "K-3");
  }

  @Test
  void rateLimitAndStoreTimeoutCarryRetryAfter() {
    backend.onConversion(r -> Answer.fail(FakeBackend.kcidError(ErrorReason.ERROR_REASON_RATE_LIMITED, "slow down", null)));
    HttpResponse<String> limited = fixture.get("/postback?kcid=K&token=t");
    assertRejected(limited, 429, "RATE_LIMITED", "slow down");
    assertThat(limited.headers().firstValue("Retry-After")).hasValue("3");

    backend.onConversion(r -> Answer.fail(FakeBackend.kcidError(ErrorReason.ERROR_REASON_STORE_TIMEOUT, "redis timed out", null)));
    HttpResponse<String> timeout = fixture.get("/postback?kcid=K&token=t");
    assertRejected(timeout, 503, "STORE_TIMEOUT", "redis");
    assertThat(timeout.headers().firstValue("Retry-After")).hasValue("3");
  }

  @Test
  void slowBackendIsAnUnknownOutcomeNever2xx() {
    backend.onConversion(r -> Answer.ok(RecordConversionResponse.newBuilder().setOutcome(Outcome.OUTCOME_ACCEPTED).build()).after(Duration.ofSeconds(2)));
    HttpResponse<String> response = fixture.get("/postback?kcid=K&token=t");
    assertRejected(response, 503, "BACKEND_UNAVAILABLE", "unknown");
    assertThat(response.headers().firstValue("Retry-After")).hasValue("3");
  }

  @ParameterizedTest
  @CsvSource({"approved,CONVERSION_STATUS_APPROVED", "PENDING,CONVERSION_STATUS_PENDING", "Rejected,CONVERSION_STATUS_REJECTED"})
  void statusIsCaseInsensitive(String text, ConversionStatus expected) throws Exception {
    fixture.get("/postback?kcid=K&token=t&status=" + text);
    assertThat(sent().getStatus()).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource({"sale,sale,CONVERSION_STATUS_UNSPECIFIED", "2,2,CONVERSION_STATUS_UNSPECIFIED",
      "%20Approved%20,' Approved ',CONVERSION_STATUS_APPROVED"})
  void theSendersStatusWordIsForwardedRawForTheAccountsMap(String query, String word, ConversionStatus own)
      throws Exception {
    assertThat(fixture.get("/postback?kcid=K&token=t&status=" + query).statusCode()).isEqualTo(200);
    RecordConversionRequest sent = sent();
    assertThat(sent.getStatusWord()).isEqualTo(word);
    // kcid's own words also travel in the enum, which servers without status maps read.
    assertThat(sent.getStatus()).isEqualTo(own);
  }

  @ParameterizedTest
  @CsvSource({
    "1714564800,1714564800,0",
    "99999999999,99999999999,0",
    "1714564800123,1714564800,123000000",
    "2024-05-01T12:00:00Z,1714564800,0",
    "2024-05-01T14:00:00.5%2B02:00,1714564800,500000000",
    "2024-05-01t12:00:00z,1714564800,0"
  })
  void eventTimeFormats(String text, long seconds, int nanos) throws Exception {
    assertThat(fixture.get("/postback?kcid=K&token=t&event_time=" + text).statusCode()).isEqualTo(200);
    assertThat(sent().getEventTime()).isEqualTo(Timestamp.newBuilder().setSeconds(seconds).setNanos(nanos).build());
  }

  @ParameterizedTest
  @ValueSource(strings = {"yesterday", "17145648001234", "2024-05-01T12:00:00", "2024-05-01", "-1", "1.5e9"})
  void badEventTimeIs400(String text) {
    assertRejected(fixture.get("/postback?kcid=K&token=t&event_time=" + text), 400, "INVALID_EVENT_TIME", "RFC 3339");
  }

  @ParameterizedTest
  @CsvSource({"1,true", "true,true", "0,false", "FALSE,false"})
  void testFlag(String text, boolean expected) throws Exception {
    fixture.get("/postback?kcid=K&token=t&test=" + text);
    assertThat(sent().getTest()).isEqualTo(expected);
  }

  @Test
  void badTestFlagIs400() {
    assertRejected(fixture.get("/postback?kcid=K&token=t&test=yes"), 400, "INVALID_PARAMETER", "test");
  }

  @ParameterizedTest
  @ValueSource(strings = {"{\"kcid\":{\"a\":1},\"token\":\"t\"}", "{\"kcid\":[\"K\"],\"token\":\"t\"}", "{\"kcid\":\"K\"", "[1]", "{\"kcid\":\"K\"} {}", "kcid=K"})
  void badJsonIs400(String body) {
    assertRejected(fixture.post("/postback", JSON, body), 400, "INVALID_PARAMETER", "JSON");
    assertThat(backend.conversions).isEmpty();
  }

  @Test
  void otherContentTypesAre415() {
    assertRejected(fixture.post("/postback", "text/plain", "kcid=K&token=t"), 415, "UNSUPPORTED_MEDIA_TYPE", "json");
    assertRejected(fixture.post("/postback", null, "kcid=K&token=t"), 415, "UNSUPPORTED_MEDIA_TYPE", "json");
  }

  @Test
  void emptyPostUsesTheQueryOnly() throws Exception {
    assertThat(fixture.post("/postback?kcid=K&token=t", null, "").statusCode()).isEqualTo(200);
    assertThat(sent().getKcid()).isEqualTo("K");
  }

  @Test
  void bodyOverTheLimitIs413() {
    HttpResponse<String> response = fixture.post("/postback", FORM, "kcid=K&token=t&junk=" + "x".repeat(EdgeFixture.MAX_BODY));
    assertRejected(response, 413, "PAYLOAD_TOO_LARGE", "larger");
    assertThat(backend.conversions).isEmpty();
  }

  @Test
  void putIs405WithAllow() {
    HttpResponse<String> response =
        fixture.send(HttpRequest.newBuilder(fixture.uri("/postback")).PUT(HttpRequest.BodyPublishers.ofString("x")));
    assertRejected(response, 405, "METHOD_NOT_ALLOWED", "GET, POST");
    assertThat(response.headers().firstValue("Allow")).hasValue("GET, POST");
  }
}
