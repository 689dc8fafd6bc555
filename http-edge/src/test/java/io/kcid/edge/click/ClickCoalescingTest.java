package io.kcid.edge.click;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.kcid.edge.support.EdgeFixture;
import io.kcid.edge.support.FakeBackend;
import io.kcid.edge.support.FakeBackend.Answer;
import io.kcid.edge.support.RawAnswers;
import io.kcid.edge.support.RawAnswers.Answered;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.IssueClickResponse;
import io.kcid.proto.tracking.v1.IssueClicksRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Clicks read in one pass of an event loop go to the backend as one IssueClicks call, and each
 * browser still gets exactly the answer its click gets when sent alone.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClickCoalescingTest {
  /** Campaigns the script answers differently: a redirect, two refusals, an unknown outcome. */
  private static final List<String> CAMPAIGNS = List.of("spring", "gone", "summer", "bad-url", "down");

  private final EdgeFixture fixture = new EdgeFixture();

  @AfterAll
  void stop() throws InterruptedException {
    fixture.close();
  }

  @BeforeEach
  void reset() {
    fixture.backend.reset();
  }

  private static Answer<IssueClickResponse> script(IssueClickRequest request) {
    return switch (request.getCampaignId()) {
      case "gone" -> Answer.fail(FakeBackend.kcidError(ErrorReason.ERROR_REASON_ACCOUNT_NOT_FOUND, "No account acme.", null));
      case "bad-url" -> Answer.fail(FakeBackend.kcidError(ErrorReason.ERROR_REASON_DESTINATION_INVALID, "Not http(s).", null));
      case "down" -> Answer.fail(FakeBackend.kcidError(ErrorReason.ERROR_REASON_STORE_UNAVAILABLE, "Redis is away.", null));
      default -> Answer.ok(IssueClickResponse.newBuilder()
          .setRedirectUrl("https://shop.example/" + request.getCampaignId() + "?kcid=K-" + request.getCampaignId()).build());
    };
  }

  private static List<String> clickUrls() {
    return CAMPAIGNS.stream().map(campaign -> "/c?a=acme&c=" + campaign + "&u=https%3A%2F%2Fshop.example&sig=s").toList();
  }

  private List<Answered> eachAlone() {
    List<Answered> alone = new ArrayList<>();
    for (String url : clickUrls()) {
      HttpResponse<String> response = fixture.get(url);
      alone.add(new Answered(response.statusCode(), response.headers().firstValue("location").orElse(null),
          response.headers().firstValue("retry-after").orElse(null), response.body()));
    }
    return alone;
  }

  @Test
  void pipelinedClicksGoAsOneBatchAndEachGetsItsSingleAnswer() {
    fixture.backend.onClick(ClickCoalescingTest::script);
    List<Answered> alone = eachAlone();
    assertThat(fixture.backend.clickBatches).isEmpty();
    assertThat(fixture.backend.clicks).hasSize(CAMPAIGNS.size());
    assertThat(alone).extracting(Answered::status).containsExactly(302, 404, 302, 400, 503);
    assertThat(alone.get(0).location()).isEqualTo("https://shop.example/spring?kcid=K-spring");
    fixture.backend.clicks.clear();

    List<Answered> together = RawAnswers.parse(fixture.raw(RawAnswers.pipelined(clickUrls())));

    assertThat(together).isEqualTo(alone);
    assertThat(fixture.backend.clicks).isEmpty();
    IssueClicksRequest batch = fixture.backend.clickBatches.poll();
    assertThat(batch).isNotNull();
    assertThat(batch.getItemsList()).extracting(IssueClickRequest::getCampaignId).containsExactlyElementsOf(CAMPAIGNS);
    assertThat(fixture.backend.clickBatches).isEmpty();
  }

  @Test
  void aFailedCallFailsEveryClickInItWith503() {
    fixture.backend.clickBatchFailure = FakeBackend.plain(Status.Code.UNAVAILABLE);

    List<Answered> together = RawAnswers.parse(fixture.raw(RawAnswers.pipelined(clickUrls())));

    assertThat(fixture.backend.clickBatches).hasSize(1);
    assertThat(fixture.backend.clicks).isEmpty();
    assertThat(together).hasSize(CAMPAIGNS.size()).allSatisfy(answered -> {
      assertThat(answered.status()).isEqualTo(503);
      assertThat(answered.location()).isNull();
      assertThat(answered.retryAfter()).isNotNull();
    });
  }

  @Test
  void aServerWithoutIssueClicksGetsEachClickAlone() throws InterruptedException {
    try (EdgeFixture older = new EdgeFixture()) {
      older.backend.onClick(ClickCoalescingTest::script);
      older.backend.clickBatchFailure = Status.UNIMPLEMENTED.withDescription("Method not found").asRuntimeException();
      fixture.backend.onClick(ClickCoalescingTest::script);
      List<Answered> expected = RawAnswers.parse(fixture.raw(RawAnswers.pipelined(clickUrls())));

      List<Answered> first = RawAnswers.parse(older.raw(RawAnswers.pipelined(clickUrls())));
      List<Answered> second = RawAnswers.parse(older.raw(RawAnswers.pipelined(clickUrls())));

      assertThat(first).isEqualTo(expected);
      assertThat(second).isEqualTo(expected);
      assertThat(older.backend.clickBatches).as("one refused batch, then single calls only").hasSize(1);
      assertThat(older.backend.clicks).hasSize(2 * CAMPAIGNS.size());
    }
  }
}
