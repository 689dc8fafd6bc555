package io.kcid.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.Timestamp;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.CapAction;
import io.kcid.proto.tracking.v1.CapPeriod;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionCap;
import io.kcid.proto.tracking.v1.ConversionCapUsage;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.CreateGoalRequest;
import io.kcid.proto.tracking.v1.DeleteConversionCapRequest;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.GetConversionRequest;
import io.kcid.proto.tracking.v1.GetStatsRequest;
import io.kcid.proto.tracking.v1.GoalState;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.ListConversionCapsRequest;
import io.kcid.proto.tracking.v1.ListConversionCapsResponse;
import io.kcid.proto.tracking.v1.Money;
import io.kcid.proto.tracking.v1.Outcome;
import io.kcid.proto.tracking.v1.PostbackCredentials;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.proto.tracking.v1.RecordConversionResponse;
import io.kcid.proto.tracking.v1.ReplayOutcome;
import io.kcid.proto.tracking.v1.ReplayPostbacksRequest;
import io.kcid.proto.tracking.v1.ReportServiceGrpc;
import io.kcid.proto.tracking.v1.SetConversionCapRequest;
import io.kcid.proto.tracking.v1.StatsRow;
import io.kcid.proto.tracking.v1.UpdateGoalRequest;
import io.kcid.server.store.redis.testing.TestRedis;
import io.kcid.server.store.redis.testing.Topology;
import io.kcid.server.testing.RunningServer;
import io.kcid.server.testing.TestServers;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Conversion caps over real gRPC on standalone Redis and a Cluster: exact under concurrent
 * postbacks, retries take no second place, over-cap conversions are recorded with the cap's
 * action and CAP_REACHED and counted in stats, value caps, campaign scope, bad caps and the audit.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(value = Topology.class, names = {"STANDALONE", "CLUSTER"})
class ConversionCapsTest {
  @Parameter Topology topology;

  private static TestRedis redis;
  private static RunningServer running;
  private static ClickServiceGrpc.ClickServiceBlockingStub clicks;
  private static ConversionServiceGrpc.ConversionServiceBlockingStub conversions;
  private static ConversionServiceGrpc.ConversionServiceFutureStub concurrent;
  private static AdminServiceGrpc.AdminServiceBlockingStub admin;
  private static ReportServiceGrpc.ReportServiceBlockingStub reports;

  @BeforeParameterizedClassInvocation
  static void start(Topology topology) {
    redis = topology.start();
    // 120 postbacks at once on a shared machine: a Redis timeout (an unknown outcome, which keeps
    // its place) must not be what the exactness assertions see.
    running = RunningServer.start(TestServers.builder(redis.url()).redisTimeout(Duration.ofSeconds(5)).build(),
        Duration.ofMinutes(5));
    clicks = running.clicks();
    conversions = running.conversions();
    admin = running.admin();
    concurrent = ConversionServiceGrpc.newFutureStub(running.channel()).withDeadlineAfter(5, TimeUnit.MINUTES);
    reports = running.reports();
  }

  @AfterParameterizedClassInvocation
  static void stop() {
    running.close();
    redis.close();
  }

  private static CreateAccountResponse account() {
    return admin.createAccount(CreateAccountRequest.newBuilder().setTimeZone("Europe/Berlin").build());
  }

  private static String id(CreateAccountResponse account) {
    return account.getAccount().getAccountId();
  }

  private static String click(CreateAccountResponse account, String campaign) {
    return clicks.issueClick(IssueClickRequest.newBuilder().setAccountId(id(account)).setCampaignId(campaign)
        .setDestinationUrl("https://shop.example/landing").build()).getClick().getKcid();
  }

  private static RecordConversionRequest postback(CreateAccountResponse account, String kcid, String amount) {
    RecordConversionRequest.Builder r = RecordConversionRequest.newBuilder().setKcid(kcid)
        .setCredentials(PostbackCredentials.newBuilder().setToken(account.getSecrets().getPostbackToken()));
    if (amount != null) {
      r.setValue(Money.newBuilder().setAmount(amount).setCurrencyCode("EUR"));
    }
    return r.build();
  }

  private static ConversionCap.Builder countCap(String capId, long max) {
    return ConversionCap.newBuilder().setCapId(capId).setGoalKey("default")
        .setPeriod(CapPeriod.CAP_PERIOD_DAILY).setMaxConversions(max);
  }

  private static ConversionCap set(CreateAccountResponse account, ConversionCap.Builder cap) {
    return admin.setConversionCap(SetConversionCapRequest.newBuilder().setAccountId(id(account)).setCap(cap).build())
        .getCap();
  }

  private static ListConversionCapsResponse list(CreateAccountResponse account) {
    return admin.listConversionCaps(ListConversionCapsRequest.newBuilder().setAccountId(id(account)).build());
  }

  private static StatsRow total(CreateAccountResponse account) {
    Instant now = Instant.now();
    return reports.getStats(GetStatsRequest.newBuilder().setAccountId(id(account))
        .setStartTime(ts(now.minus(Duration.ofHours(2)))).setEndTime(ts(now.plus(Duration.ofHours(1))))
        .build()).getTotal();
  }

  private static Timestamp ts(Instant t) {
    return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).build();
  }

  @Test
  void concurrentPostbacksPassACapExactlyAndTheRestAreRecordedRejected() throws Exception {
    var account = account();
    set(account, countCap("daily", 7));
    int postbacks = 60;
    List<String> kcids = new ArrayList<>();
    for (int i = 0; i < postbacks; i++) {
      kcids.add(click(account, "spring"));
    }
    // Every postback sent twice at once: a retry never takes a second place.
    List<ListenableFuture<RecordConversionResponse>> calls = new ArrayList<>();
    for (String kcid : kcids) {
      calls.add(concurrent.recordConversion(postback(account, kcid, null)));
      calls.add(concurrent.recordConversion(postback(account, kcid, null)));
    }
    int approved = 0;
    int capped = 0;
    for (int i = 0; i < calls.size(); i++) {
      RecordConversionResponse r = answered(calls.get(i), postback(account, kcids.get(i / 2), null));
      if (r.getOutcome() != Outcome.OUTCOME_ACCEPTED) {
        continue;
      }
      if (r.getConversion().getStatus() == ConversionStatus.CONVERSION_STATUS_APPROVED) {
        approved++;
      } else {
        assertThat(r.getConversion().getStatus()).isEqualTo(ConversionStatus.CONVERSION_STATUS_REJECTED);
        assertThat(r.getConversion().getStatusReason()).isEqualTo(ErrorReason.ERROR_REASON_CAP_REACHED);
        capped++;
      }
    }
    assertThat(approved).isEqualTo(7);
    assertThat(capped).isEqualTo(postbacks - 7);
    ConversionCapUsage usage = list(account).getCaps(0);
    assertThat(usage.getUsedConversions()).isEqualTo(7);
    assertThat(usage.getPeriod()).matches("\\d{4}-\\d{2}-\\d{2}");
    StatsRow total = total(account);
    assertThat(total.getConversions()).isEqualTo(postbacks);
    assertThat(total.getApprovedConversions()).isEqualTo(7);
    assertThat(total.getRejectedConversions()).isEqualTo(postbacks - 7);
    assertThat(total.getCappedConversions()).isEqualTo(postbacks - 7);
  }

  /**
   * The call's answer; an unknown outcome (a store timeout on a loaded machine) is retried as a
   * sender would, which the caps must count once.
   */
  private static RecordConversionResponse answered(ListenableFuture<RecordConversionResponse> call,
      RecordConversionRequest retry) throws Exception {
    try {
      return call.get(5, TimeUnit.MINUTES);
    } catch (java.util.concurrent.ExecutionException e) {
      if (io.grpc.Status.fromThrowable(e.getCause()).getCode() != io.grpc.Status.Code.UNAVAILABLE) {
        throw e;
      }
      return answered(concurrent.recordConversion(retry), retry);
    }
  }

  @Test
  void duplicatesAndRefusalsGiveTheirPlaceBackAndPendingIsConfigurable() {
    var account = account();
    set(account, countCap("two", 2).setAction(CapAction.CAP_ACTION_PENDING));
    String first = click(account, "spring");
    assertThat(conversions.recordConversion(postback(account, first, null)).getConversion().getStatus())
        .isEqualTo(ConversionStatus.CONVERSION_STATUS_APPROVED);
    // A duplicate of the goal (once per click) is answered as such and counts nothing.
    assertThat(conversions.recordConversion(postback(account, first, null)).getOutcome())
        .isEqualTo(Outcome.OUTCOME_DUPLICATE);
    assertThat(list(account).getCaps(0).getUsedConversions()).isEqualTo(1);
    assertThat(conversions.recordConversion(postback(account, click(account, "spring"), null))
        .getConversion().getStatus()).isEqualTo(ConversionStatus.CONVERSION_STATUS_APPROVED);
    RecordConversionResponse held = conversions.recordConversion(postback(account, click(account, "spring"), null));
    assertThat(held.getConversion().getStatus()).isEqualTo(ConversionStatus.CONVERSION_STATUS_PENDING);
    assertThat(held.getConversion().getStatusReason()).isEqualTo(ErrorReason.ERROR_REASON_CAP_REACHED);
    assertThat(conversions.getConversion(GetConversionRequest.newBuilder().setConversionId(held.getConversionId())
        .build()).getConversion().getStatusReason()).isEqualTo(ErrorReason.ERROR_REASON_CAP_REACHED);
    assertThat(list(account).getCaps(0).getUsedConversions()).isEqualTo(2);

    // Raising the cap applies from now on: the day's count is kept, the next conversion passes.
    set(account, countCap("two", 3));
    assertThat(conversions.recordConversion(postback(account, click(account, "spring"), null))
        .getConversion().getStatus()).isEqualTo(ConversionStatus.CONVERSION_STATUS_APPROVED);
    assertThat(list(account).getCaps(0).getUsedConversions()).isEqualTo(3);
  }

  @Test
  void aReplaysDryRunShowsTheCapItWouldReachAndCountsNothing() {
    var account = account();
    admin.createGoal(CreateGoalRequest.newBuilder().setAccountId(id(account)).setGoalKey("promo")
        .setState(GoalState.GOAL_STATE_PAUSED).build());
    set(account, ConversionCap.newBuilder().setCapId("promo-daily").setGoalKey("promo")
        .setPeriod(CapPeriod.CAP_PERIOD_DAILY).setMaxConversions(1));
    Instant since = Instant.now().minusSeconds(60);
    // Two postbacks refused while the goal was paused; then it is resumed and a third fills the cap.
    for (int i = 0; i < 2; i++) {
      String kcid = click(account, "spring");
      assertThatThrownBy(() -> conversions.recordConversion(postback(account, kcid, null).toBuilder().setGoalKey("promo").build()))
          .satisfies(e -> assertThat(TestServers.reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_GOAL_PAUSED));
    }
    admin.updateGoal(UpdateGoalRequest.newBuilder().setAccountId(id(account)).setGoalKey("promo")
        .setState(GoalState.GOAL_STATE_ACTIVE).build());
    assertThat(conversions.recordConversion(postback(account, click(account, "spring"), null).toBuilder().setGoalKey("promo")
        .build()).getConversion().getStatus()).isEqualTo(ConversionStatus.CONVERSION_STATUS_APPROVED);

    ReplayPostbacksRequest window = ReplayPostbacksRequest.newBuilder().setAccountId(id(account)).setStartTime(ts(since))
        .setDryRun(true).build();
    // The postback log is written once each answer is decided, not waited for.
    Awaitility.await().atMost(10, TimeUnit.SECONDS).untilAsserted(() ->
        assertThat(running.diagnostics().replayPostbacks(window).getResultsList()).hasSize(2));
    for (var r : running.diagnostics().replayPostbacks(window).getResultsList()) {
      assertThat(r.getOutcome()).isEqualTo(ReplayOutcome.REPLAY_OUTCOME_ACCEPTED);
      assertThat(r.getReason()).isEqualTo(ErrorReason.ERROR_REASON_CAP_REACHED);
      assertThat(r.getMessage()).startsWith("Would be recorded as ").endsWith(" (rejected: CAP_REACHED).");
    }
    assertThat(list(account).getCaps(0).getUsedConversions()).isEqualTo(1);
    // The replay itself does what its dry run said: both recorded rejected, the cap's use unchanged.
    var replayed = running.diagnostics().replayPostbacks(window.toBuilder().setDryRun(false).build()).getResultsList();
    assertThat(replayed).hasSize(2).allSatisfy(r -> {
      assertThat(r.getReason()).isEqualTo(ErrorReason.ERROR_REASON_CAP_REACHED);
      assertThat(r.getMessage()).startsWith("Recorded as ").endsWith(" (rejected: CAP_REACHED).");
      assertThat(conversions.getConversion(GetConversionRequest.newBuilder().setConversionId(r.getConversionId()).build())
          .getConversion().getStatus()).isEqualTo(ConversionStatus.CONVERSION_STATUS_REJECTED);
    });
    assertThat(list(account).getCaps(0).getUsedConversions()).isEqualTo(1);
  }

  @Test
  void aCampaignCapHoldsOnlyItsCampaignAndAValueCapCountsValue() {
    var account = account();
    set(account, ConversionCap.newBuilder().setCapId("spring-only").setCampaignId("spring")
        .setPeriod(CapPeriod.CAP_PERIOD_LIFETIME).setMaxConversions(1));
    set(account, ConversionCap.newBuilder().setCapId("budget").setGoalKey("default")
        .setPeriod(CapPeriod.CAP_PERIOD_MONTHLY).setMaxValue(Money.newBuilder().setAmount("100.50").setCurrencyCode("EUR")));
    assertThat(conversions.recordConversion(postback(account, click(account, "spring"), "10")).getConversion()
        .getStatus()).isEqualTo(ConversionStatus.CONVERSION_STATUS_APPROVED);
    assertThat(conversions.recordConversion(postback(account, click(account, "spring"), "1")).getConversion()
        .getStatusReason()).isEqualTo(ErrorReason.ERROR_REASON_CAP_REACHED);
    // Another campaign is not held by the campaign cap; the value cap holds it.
    assertThat(conversions.recordConversion(postback(account, click(account, "autumn"), "90.5")).getConversion()
        .getStatus()).isEqualTo(ConversionStatus.CONVERSION_STATUS_APPROVED);
    RecordConversionResponse over = conversions.recordConversion(postback(account, click(account, "autumn"), "0.01"));
    assertThat(over.getConversion().getStatus()).isEqualTo(ConversionStatus.CONVERSION_STATUS_REJECTED);
    assertThat(over.getConversion().getStatusReason()).isEqualTo(ErrorReason.ERROR_REASON_CAP_REACHED);
    // No value adds nothing to a value cap.
    assertThat(conversions.recordConversion(postback(account, click(account, "autumn"), null)).getConversion()
        .getStatus()).isEqualTo(ConversionStatus.CONVERSION_STATUS_APPROVED);
    var caps = list(account).getCapsList();
    assertThat(caps).extracting(c -> c.getCap().getCapId()).containsExactly("budget", "spring-only");
    assertThat(caps.get(0).getUsedValue()).isEqualTo(Money.newBuilder().setAmount("100.5").setCurrencyCode("EUR").build());
    assertThat(caps.get(0).getPeriod()).matches("\\d{4}-\\d{2}");
    assertThat(caps.get(1).getUsedConversions()).isEqualTo(1);
    assertThat(caps.get(1).getPeriod()).isEqualTo("lifetime");
  }

  @Test
  void badCapsAreRefusedWithAFieldAndChangesAreAudited() {
    var account = account();
    assertThatThrownBy(() -> set(account, ConversionCap.newBuilder().setCapId("x").setPeriod(CapPeriod.CAP_PERIOD_DAILY)
        .setMaxConversions(1)))
        .satisfies(e -> assertThat(TestServers.reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_CAP_INVALID))
        .satisfies(e -> assertThat(TestServers.metadataOf(e)).containsEntry("field", "goal_key"));
    assertThatThrownBy(() -> set(account, countCap("x", 0)))
        .satisfies(e -> assertThat(TestServers.metadataOf(e)).containsEntry("field", "max_conversions"));
    assertThatThrownBy(() -> set(account, countCap("x", 1).setPeriod(CapPeriod.CAP_PERIOD_UNSPECIFIED)))
        .satisfies(e -> assertThat(TestServers.metadataOf(e)).containsEntry("field", "period"));
    assertThatThrownBy(() -> set(account, countCap("Bad Id", 1)))
        .satisfies(e -> assertThat(TestServers.metadataOf(e)).containsEntry("field", "cap_id"));
    assertThatThrownBy(() -> set(account, countCap("x", 1).setGoalKey("nosuchgoal")))
        .satisfies(e -> assertThat(TestServers.reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_CAP_INVALID));
    assertThatThrownBy(() -> set(account, countCap("x", 0).setMaxValue(Money.newBuilder().setAmount("1.0000001")
        .setCurrencyCode("EUR"))))
        .satisfies(e -> assertThat(TestServers.metadataOf(e)).containsEntry("field", "max_value.amount"));
    assertThatThrownBy(() -> admin.deleteConversionCap(DeleteConversionCapRequest.newBuilder()
        .setAccountId(id(account)).setCapId("never").build()))
        .satisfies(e -> assertThat(TestServers.reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_CAP_NOT_FOUND));
    assertThat(list(account).getChangesList()).isEmpty();

    // A past effective_from is moved to the change's time: a change never reaches back.
    ConversionCap stored = set(account, countCap("daily", 5).setEffectiveFrom(ts(Instant.now().minus(Duration.ofDays(3)))));
    assertThat(Instant.ofEpochSecond(stored.getEffectiveFrom().getSeconds()))
        .isAfter(Instant.now().minus(Duration.ofMinutes(5)));
    assertThat(stored.getAction()).isEqualTo(CapAction.CAP_ACTION_REJECT);
    set(account, countCap("daily", 9));
    admin.deleteConversionCap(DeleteConversionCapRequest.newBuilder().setAccountId(id(account)).setCapId("daily").build());
    var changes = list(account).getChangesList();
    assertThat(changes).hasSize(3);
    assertThat(changes.get(0).hasAfter()).isFalse();
    assertThat(changes.get(0).getBefore().getMaxConversions()).isEqualTo(9);
    assertThat(changes.get(1).getBefore().getMaxConversions()).isEqualTo(5);
    assertThat(changes.get(1).getAfter().getMaxConversions()).isEqualTo(9);
    assertThat(changes.get(2).hasBefore()).isFalse();
    assertThat(list(account).getCapsList()).isEmpty();
  }
}
