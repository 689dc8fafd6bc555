package io.kcid.edge.postback;

import static org.assertj.core.api.Assertions.assertThat;

import io.kcid.edge.support.EdgeFixture;
import io.kcid.edge.support.FakeBackend;
import io.kcid.edge.support.FakeBackend.Answer;
import io.kcid.edge.support.RawAnswers;
import io.kcid.edge.support.RawAnswers.Answered;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.Outcome;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.proto.tracking.v1.RecordConversionResponse;
import io.kcid.proto.tracking.v1.RecordConversionsRequest;
import io.grpc.Status;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Single postbacks read in one pass of an event loop go to the backend as one RecordConversions
 * call, and each sender still gets exactly the answer its postback gets when sent alone.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PostbackCoalescingTest {
  private static final List<String> KCIDS = List.of("K-ACCEPTED", "K-NOT-FOUND", "K-LEGACY", "K-UNAVAILABLE");

  private final EdgeFixture fixture = new EdgeFixture();

  @AfterAll
  void stop() throws InterruptedException {
    fixture.close();
  }

  @BeforeEach
  void reset() {
    fixture.backend.reset();
  }

  private static Answer<RecordConversionResponse> script(RecordConversionRequest request) {
    return switch (request.getKcid()) {
      case "K-ACCEPTED" -> Answer.ok(
          RecordConversionResponse.newBuilder().setOutcome(Outcome.OUTCOME_ACCEPTED).setConversionId("K-ACCEPTED-1").build());
      case "K-NOT-FOUND" -> Answer.fail(FakeBackend.kcidError(ErrorReason.ERROR_REASON_CLICK_NOT_FOUND, "No click K-NOT-FOUND.", null));
      case "K-LEGACY" -> Answer.fail(FakeBackend.kcidError(
          ErrorReason.ERROR_REASON_GOAL_PAUSED, "The goal is paused.", "K-LEGACY-0", Map.of("legacyHttp200", "true")));
      default -> Answer.fail(FakeBackend.kcidError(ErrorReason.ERROR_REASON_STORE_UNAVAILABLE, "Redis is away.", null));
    };
  }

  @Test
  void pipelinedPostbacksGoAsOneBatchAndEachGetsItsSingleAnswer() throws Exception {
    fixture.backend.onConversion(PostbackCoalescingTest::script);
    List<Answered> alone = new ArrayList<>();
    for (String kcid : KCIDS) {
      HttpResponse<String> response = fixture.get("/postback?kcid=" + kcid + "&token=t");
      alone.add(new Answered(response.statusCode(), null, response.headers().firstValue("retry-after").orElse(null), response.body()));
    }
    assertThat(fixture.backend.batches).isEmpty();
    assertThat(fixture.backend.conversions).hasSize(KCIDS.size());
    assertThat(alone).extracting(Answered::status).containsExactly(200, 404, 200, 503);
    fixture.backend.conversions.clear();

    List<Answered> together = RawAnswers.parse(fixture.raw(pipelined()));

    assertThat(together).isEqualTo(alone);
    assertThat(fixture.backend.conversions).isEmpty();
    RecordConversionsRequest batch = fixture.backend.batches.poll();
    assertThat(batch).isNotNull();
    assertThat(batch.getItemsList()).extracting(RecordConversionRequest::getKcid).containsExactlyElementsOf(KCIDS);
    assertThat(batch.getItemsList()).allSatisfy(item -> assertThat(item.getCredentials().getToken()).isEqualTo("t"));
    assertThat(fixture.backend.batches).isEmpty();
  }

  @Test
  void aFailedCallFailsEveryPostbackInItWith503() {
    fixture.backend.onBatch(request -> Answer.fail(FakeBackend.plain(Status.Code.UNAVAILABLE)));

    List<Answered> together = RawAnswers.parse(fixture.raw(pipelined()));

    assertThat(fixture.backend.batches).hasSize(1);
    assertThat(together).hasSize(KCIDS.size()).allSatisfy(answered -> {
      assertThat(answered.status()).isEqualTo(503);
      assertThat(answered.retryAfter()).isNotNull();
      assertThat(answered.body()).contains("\"reason\":\"BACKEND_UNAVAILABLE\"");
    });
  }

  @Test
  void anItemTheBackendLeavesUnansweredIs500NeverSuccess() {
    // Answers only the first item.
    fixture.backend.onBatch(request -> Answer.ok(FakeBackend.perItem(
        RecordConversionsRequest.newBuilder().addItems(request.getItems(0)).build(), PostbackCoalescingTest::script)));

    List<Answered> together = RawAnswers.parse(fixture.raw(pipelined()));

    assertThat(together.get(0).status()).isEqualTo(200);
    assertThat(together.subList(1, together.size())).allSatisfy(answered -> {
      assertThat(answered.status()).isEqualTo(500);
      assertThat(answered.body()).contains("\"reason\":\"INTERNAL\"");
    });
  }

  private static String pipelined() {
    return RawAnswers.pipelined(KCIDS.stream().map(kcid -> "/postback?kcid=" + kcid + "&token=t").toList());
  }
}
