package io.kcid.edge.postback;

import static org.assertj.core.api.Assertions.assertThat;

import io.kcid.edge.support.EdgeFixture;
import io.kcid.edge.support.FakeBackend;
import io.kcid.edge.support.FakeBackend.Answer;
import io.kcid.edge.support.JsonMap;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.Outcome;
import io.kcid.proto.tracking.v1.PostbackResponseFormat;
import io.kcid.proto.tracking.v1.RecordConversionResponse;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The account's success body (json, text-ok, text-1, empty) as the backend names it, and the
 * outcome headers every {@code /postback} answer carries, over real HTTP through the edge.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PostbackResponseFormatTest {
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

  private void answer(Outcome outcome, PostbackResponseFormat format) {
    backend.onConversion(r -> Answer.ok(RecordConversionResponse.newBuilder().setOutcome(outcome)
        .setConversionId("K-1").setPostbackResponseFormat(format)
        .setDuplicateReason(outcome == Outcome.OUTCOME_DUPLICATE
            ? ErrorReason.ERROR_REASON_DUPLICATE_TRANSACTION : ErrorReason.ERROR_REASON_UNSPECIFIED)
        .build()));
  }

  @ParameterizedTest
  @CsvSource({
    "POSTBACK_RESPONSE_FORMAT_TEXT_OK,OK,text/plain; charset=utf-8",
    "POSTBACK_RESPONSE_FORMAT_TEXT_1,1,text/plain; charset=utf-8"})
  void aTextFormatAnswersItsFixedBodyWithTheOutcomeInHeaders(PostbackResponseFormat format, String body, String type) {
    answer(Outcome.OUTCOME_ACCEPTED, format);
    HttpResponse<String> response = fixture.get("/postback?kcid=K&token=t");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo(body);
    assertThat(response.headers().firstValue("Content-Type")).hasValue(type);
    assertThat(response.headers().firstValue("X-Kcid-Outcome")).hasValue("accepted");
    assertThat(response.headers().firstValue("X-Kcid-Reason")).isEmpty();
  }

  @Test
  void emptyIs200WithNoBody() {
    answer(Outcome.OUTCOME_ACCEPTED, PostbackResponseFormat.POSTBACK_RESPONSE_FORMAT_EMPTY);
    HttpResponse<String> response = fixture.get("/postback?kcid=K&token=t");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEmpty();
    assertThat(response.headers().firstValue("Content-Length")).hasValue("0");
    assertThat(response.headers().firstValue("X-Kcid-Outcome")).hasValue("accepted");
  }

  @Test
  void jsonAndUnspecifiedKeepTodaysBodyAndGainTheHeaders() {
    for (PostbackResponseFormat format : new PostbackResponseFormat[] {
        PostbackResponseFormat.POSTBACK_RESPONSE_FORMAT_JSON, PostbackResponseFormat.POSTBACK_RESPONSE_FORMAT_UNSPECIFIED}) {
      answer(Outcome.OUTCOME_ACCEPTED, format);
      HttpResponse<String> response = fixture.get("/postback?kcid=K&token=t");
      assertThat(JsonMap.parse(response.body())).isEqualTo(Map.of("status", "accepted", "conversion_id", "K-1"));
      assertThat(response.headers().firstValue("X-Kcid-Outcome")).hasValue("accepted");
    }
  }

  @Test
  void aDuplicateGetsTheFixedBodyAndKeepsItsReasonInAHeader() {
    answer(Outcome.OUTCOME_DUPLICATE, PostbackResponseFormat.POSTBACK_RESPONSE_FORMAT_TEXT_OK);
    HttpResponse<String> response = fixture.get("/postback?kcid=K&token=t&txid=o1");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("OK");
    assertThat(response.headers().firstValue("X-Kcid-Outcome")).hasValue("duplicate");
    assertThat(response.headers().firstValue("X-Kcid-Reason")).hasValue("DUPLICATE_TRANSACTION");
  }

  @Test
  void refusalsFromTheBackendAndFromTheEdgeCarryTheOutcomeHeaders() {
    backend.onConversion(r -> Answer.fail(FakeBackend.kcidError(
        ErrorReason.ERROR_REASON_STATUS_NOT_MAPPED, "status 'sold' is not mapped", null)));
    HttpResponse<String> mapped = fixture.get("/postback?kcid=K&token=t&status=sold");
    assertThat(mapped.statusCode()).isEqualTo(422);
    assertThat(JsonMap.parse(mapped.body())).containsEntry("reason", "STATUS_NOT_MAPPED");
    assertThat(mapped.headers().firstValue("X-Kcid-Outcome")).hasValue("rejected");
    assertThat(mapped.headers().firstValue("X-Kcid-Reason")).hasValue("STATUS_NOT_MAPPED");

    HttpResponse<String> local = fixture.get("/postback?token=t");
    assertThat(local.statusCode()).isEqualTo(400);
    assertThat(local.headers().firstValue("X-Kcid-Outcome")).hasValue("rejected");
    assertThat(local.headers().firstValue("X-Kcid-Reason")).hasValue("KCID_MISSING");
  }
}
