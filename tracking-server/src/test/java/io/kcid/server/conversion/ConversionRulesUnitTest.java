package io.kcid.server.conversion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Timestamp;
import io.kcid.core.KcidException;
import io.kcid.core.kcid.DecodedKcid;
import io.kcid.proto.tracking.v1.Account;
import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.CountingMode;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.Goal;
import io.kcid.proto.tracking.v1.GoalState;
import io.kcid.proto.tracking.v1.Money;
import io.kcid.proto.tracking.v1.Outcome;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.proto.tracking.v1.RecordConversionResponse;
import io.kcid.server.common.Retention;
import io.kcid.server.store.AccountRecord;
import io.kcid.server.store.RecordResult;
import io.kcid.server.store.StoredSecrets;
import io.kcid.server.store.TransactionClaims;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** The postback rules without Redis or gRPC: what is planned, and which reason refuses what. */
class ConversionRulesUnitTest {
  private static final Instant CLICK = Instant.parse("2026-01-10T12:00:00Z");
  private static final Instant NOW = CLICK.plus(Duration.ofHours(1));
  private static final Duration RETENTION = Duration.ofDays(31);
  private static final DecodedKcid KCID = new DecodedKcid("k".repeat(32), 1, CLICK, 3, 0, 42L);

  private static Goal.Builder goal(String key) {
    return Goal.newBuilder()
        .setAccountId("acc")
        .setGoalKey(key)
        .setAttributionWindow(com.google.protobuf.Duration.newBuilder().setSeconds(Duration.ofDays(30).getSeconds()))
        .setState(GoalState.GOAL_STATE_ACTIVE);
  }

  private static AccountRecord account(Goal... goals) {
    Account account =
        Account.newBuilder()
            .setAccountId("acc")
            .setDefaultGoalKey("default")
            .setClickRetention(com.google.protobuf.Duration.newBuilder().setSeconds(RETENTION.getSeconds()))
            .build();
    StoredSecrets secrets = new StoredSecrets("", "", null, "", "", null, "", "", null);
    Map<String, Goal> byKey = new java.util.HashMap<>();
    for (Goal g : goals) {
      byKey.put(g.getGoalKey(), g);
    }
    return new AccountRecord(account, secrets, byKey);
  }

  private static RecordConversionRequest.Builder request() {
    return RecordConversionRequest.newBuilder().setKcid(KCID.kcid());
  }

  private static RecordPlan plan(AccountRecord account, RecordConversionRequest.Builder request) {
    RecordConversionRequest built = request.build();
    return ConversionRules.plan(account, KCID, built, ConversionRules.checkedRequestId(built), NOW);
  }

  private static Timestamp at(Instant t) {
    return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).build();
  }

  private static ErrorReason reasonOf(Executable refused) {
    try {
      refused.execute();
    } catch (KcidException e) {
      return e.reason();
    } catch (Throwable t) {
      throw new AssertionError("expected a KcidException", t);
    }
    throw new AssertionError("expected a refusal, got none");
  }

  @Test
  void aPlainPostbackCountsForTheDefaultGoalApprovedAndNow() {
    RecordPlan plan = plan(account(goal("default").build()), request());

    assertThat(plan.goal().getGoalKey()).isEqualTo("default");
    assertThat(plan.mode()).isEqualTo(CountingMode.COUNTING_MODE_ONCE_PER_CLICK);
    assertThat(plan.claimsAccountWide()).isFalse();
    assertThat(plan.now()).isEqualTo(NOW);
    assertThat(plan.retention()).isEqualTo(RETENTION);
    assertThat(plan.command().requiredAccountId()).isEqualTo("acc");
    assertThat(plan.command().goalKey()).isEqualTo("default");
    assertThat(plan.command().newStatus()).isEqualTo(ConversionStatus.CONVERSION_STATUS_APPROVED);
    assertThat(plan.command().requestedStatus()).isEqualTo(ConversionStatus.CONVERSION_STATUS_UNSPECIFIED);
    assertThat(plan.command().eventTime()).isEqualTo(NOW);
    assertThat(plan.command().recordTime()).isEqualTo(NOW);
    assertThat(plan.command().conversionTtl()).isEqualTo(RETENTION);
    assertThat(plan.command().requestIdTtl()).isEqualTo(RETENTION);
    assertThat(plan.command().timeToConvertBucket()).isEqualTo(TimeToConvert.bucketOf(Duration.ofHours(1)));
    assertThat(plan.command().requestId()).isEmpty();
    assertThat(plan.command().fingerprint()).as("only computed with a request id").isEmpty();
    assertThat(plan.recorded().getStatus()).isEqualTo(ConversionStatus.CONVERSION_STATUS_APPROVED);
    assertThat(plan.recorded().getClickTime()).isEqualTo(at(CLICK));
    assertThat(plan.recorded().getValue()).isEqualTo(Money.getDefaultInstance());
  }

  @Test
  void aRequestIdIsFingerprintedAndRememberedAtLeastAWeek() {
    AccountRecord account =
        new AccountRecord(
            account(goal("default").build()).account().toBuilder()
                .setClickRetention(com.google.protobuf.Duration.newBuilder().setSeconds(3600))
                .build(),
            account().secrets(),
            Map.of("default", goal("default").build()));
    RecordPlan plan = plan(account, request().setRequestId("r-1"));

    assertThat(plan.command().requestId()).isEqualTo("r-1");
    assertThat(plan.command().fingerprint()).hasSize(16);
    assertThat(plan.command().conversionTtl()).isEqualTo(Duration.ofHours(1));
    assertThat(plan.command().requestIdTtl()).isEqualTo(Retention.MIN_REQUEST_ID_TTL);
    assertThat(plan.claimTtl()).isEqualTo(Retention.MIN_REQUEST_ID_TTL);
  }

  @Test
  void unknownOrPausedGoalsRefuse() {
    AccountRecord account =
        account(goal("default").build(), goal("sale").setState(GoalState.GOAL_STATE_PAUSED).build());

    assertThat(reasonOf(() -> plan(account, request().setGoalKey("lead"))))
        .isEqualTo(ErrorReason.ERROR_REASON_GOAL_NOT_FOUND);
    assertThatThrownBy(() -> plan(account, request().setGoalKey("lead")))
        .hasMessageContaining("Known goals: [default, sale]");
    assertThat(reasonOf(() -> plan(account, request().setGoalKey("sale"))))
        .isEqualTo(ErrorReason.ERROR_REASON_GOAL_PAUSED);
    assertThat(plan(account, request().setGoalKey("default")).goal().getGoalKey()).isEqualTo("default");
  }

  @Test
  void eventTimesAreBoundedByTheClickAndNowWithClockSkew() {
    AccountRecord account = account(goal("default").build());
    Duration skew = ConversionRules.CLOCK_SKEW;

    assertThat(reasonOf(() -> plan(account, request().setEventTime(at(NOW.plus(skew).plusSeconds(1))))))
        .isEqualTo(ErrorReason.ERROR_REASON_EVENT_TIME_IN_FUTURE);
    assertThat(reasonOf(() -> plan(account, request().setEventTime(at(CLICK.minus(skew).minusSeconds(1))))))
        .isEqualTo(ErrorReason.ERROR_REASON_EVENT_TIME_BEFORE_CLICK);
    assertThat(plan(account, request().setEventTime(at(NOW.plusSeconds(60)))).command().eventTime())
        .as("a little ahead of our clock counts as now")
        .isEqualTo(NOW);
    assertThat(plan(account, request().setEventTime(at(CLICK.plusSeconds(90)))).command().eventTime())
        .isEqualTo(CLICK.plusSeconds(90));
  }

  @Test
  void theAttributionWindowAndMinimumTimeAreMeasuredFromTheClickToTheEvent() {
    AccountRecord account =
        account(
            goal("default")
                .setAttributionWindow(com.google.protobuf.Duration.newBuilder().setSeconds(1800))
                .build(),
            goal("slow").setMinTimeToConvert(com.google.protobuf.Duration.newBuilder().setSeconds(600)).build());

    assertThat(reasonOf(() -> plan(account, request())))
        .isEqualTo(ErrorReason.ERROR_REASON_OUTSIDE_ATTRIBUTION_WINDOW);
    assertThat(plan(account, request().setEventTime(at(CLICK.plusSeconds(1800)))).goal().getGoalKey())
        .isEqualTo("default");
    assertThat(reasonOf(() -> plan(account, request().setGoalKey("slow").setEventTime(at(CLICK.plusSeconds(599))))))
        .isEqualTo(ErrorReason.ERROR_REASON_BELOW_MINIMUM_TIME);
    assertThat(plan(account, request().setGoalKey("slow").setEventTime(at(CLICK.plusSeconds(600)))).goal().getGoalKey())
        .isEqualTo("slow");
  }

  @Test
  void uniqueTransactionModesNeedATransactionId() {
    AccountRecord account =
        account(
            goal("default").setCountingMode(CountingMode.COUNTING_MODE_UNSPECIFIED).build(),
            goal("per-click").setCountingMode(CountingMode.COUNTING_MODE_UNIQUE_TRANSACTION_PER_CLICK).build(),
            goal("per-account").setCountingMode(CountingMode.COUNTING_MODE_UNIQUE_TRANSACTION_PER_ACCOUNT).build());

    assertThat(plan(account, request()).mode()).isEqualTo(CountingMode.COUNTING_MODE_ONCE_PER_CLICK);
    assertThat(reasonOf(() -> plan(account, request().setGoalKey("per-click"))))
        .isEqualTo(ErrorReason.ERROR_REASON_MISSING_PARAMETER);
    assertThat(reasonOf(() -> plan(account, request().setGoalKey("per-account"))))
        .isEqualTo(ErrorReason.ERROR_REASON_MISSING_PARAMETER);

    RecordPlan perClick = plan(account, request().setGoalKey("per-click").setTransactionId("t1"));
    assertThat(perClick.claimsAccountWide()).isFalse();
    assertThat(perClick.command().transactionId()).isEqualTo("t1");
    RecordPlan perAccount = plan(account, request().setGoalKey("per-account").setTransactionId("t1"));
    assertThat(perAccount.claimsAccountWide()).isTrue();
    assertThat(perAccount.command().countingMode()).isEqualTo(CountingMode.COUNTING_MODE_UNIQUE_TRANSACTION_PER_ACCOUNT);
  }

  @Test
  void statusIsApprovedUnlessNamedAndUnknownStatusesRefuse() {
    AccountRecord account = account(goal("default").build());

    RecordPlan pending = plan(account, request().setStatus(ConversionStatus.CONVERSION_STATUS_PENDING));
    assertThat(pending.command().newStatus()).isEqualTo(ConversionStatus.CONVERSION_STATUS_PENDING);
    assertThat(pending.command().transitionSources())
        .isEqualTo(StatusTransitions.sourcesOf(ConversionStatus.CONVERSION_STATUS_PENDING));
    assertThat(reasonOf(() -> plan(account, request().setStatusValue(99))))
        .isEqualTo(ErrorReason.ERROR_REASON_INVALID_STATUS);
  }

  @Test
  void valuesFallBackToTheGoalsDefaultThenUsdAndNegativeOnlyWhereAllowed() {
    AccountRecord account =
        account(
            goal("default").setDefaultValue(Money.newBuilder().setAmount("5").setCurrencyCode("EUR")).build(),
            goal("plain").build(),
            goal("refunds").setAllowNegativeValue(true).build());

    assertThat(plan(account, request()).recorded().getValue().getCurrencyCode()).isEqualTo("EUR");
    assertThat(plan(account, request()).command().value().getAmount()).startsWith("5");
    assertThat(plan(account, request().setValue(Money.newBuilder().setAmount("7"))).command().value().getCurrencyCode())
        .as("the goal's currency for an amount without one")
        .isEqualTo("EUR");
    assertThat(plan(account, request().setGoalKey("plain").setValue(Money.newBuilder().setAmount("7")))
            .command().value().getCurrencyCode())
        .isEqualTo("USD");
    assertThat(plan(account, request().setGoalKey("plain")).command().value()).isEqualTo(Money.getDefaultInstance());
    assertThat(reasonOf(() -> plan(account, request().setGoalKey("plain")
            .setValue(Money.newBuilder().setAmount("-1").setCurrencyCode("USD")))))
        .isEqualTo(ErrorReason.ERROR_REASON_INVALID_VALUE);
    assertThat(plan(account, request().setGoalKey("refunds")
            .setValue(Money.newBuilder().setAmount("-1").setCurrencyCode("USD"))).command().value().getAmount())
        .startsWith("-1");
  }

  @Test
  void requestSyntaxIsCheckedBeforeAuthentication() {
    assertThat(reasonOf(() -> ConversionRules.checkedRequestId(request().putAdvSubIds("adv6", "x").build())))
        .isEqualTo(ErrorReason.ERROR_REASON_INVALID_PARAMETER);
    assertThat(reasonOf(() -> ConversionRules.checkedRequestId(request().setRequestId("no spaces").build())))
        .isEqualTo(ErrorReason.ERROR_REASON_INVALID_PARAMETER);
    assertThat(ConversionRules.checkedRequestId(request().putAdvSubIds("adv5", "x").setRequestId("r.1").build()))
        .isEqualTo("r.1");
  }

  @Test
  void theStoresVerdictBecomesTheAnswer() {
    RecordPlan plan = plan(account(goal("default").build()), request());

    RecordConversionResponse accepted = ConversionRules.response(new RecordResult(RecordResult.Code.ACCEPTED, "c-1"), plan);
    assertThat(accepted.getOutcome()).isEqualTo(Outcome.OUTCOME_ACCEPTED);
    assertThat(accepted.getConversion().getConversionId()).isEqualTo("c-1");
    assertThat(accepted.getConversion().getKcid()).isEqualTo(KCID.kcid());
    RecordConversionResponse changed =
        ConversionRules.response(new RecordResult(RecordResult.Code.STATUS_CHANGED, "c-1"), plan);
    assertThat(changed.getOutcome()).isEqualTo(Outcome.OUTCOME_ACCEPTED);
    assertThat(changed.hasConversion()).isFalse();
    assertThat(ConversionRules.response(new RecordResult(RecordResult.Code.DUPLICATE_GOAL, "c-1"), plan).getDuplicateReason())
        .isEqualTo(ErrorReason.ERROR_REASON_DUPLICATE_CONVERSION);
    assertThat(ConversionRules.response(new RecordResult(RecordResult.Code.DUPLICATE_TRANSACTION, "c-1"), plan).getDuplicateReason())
        .isEqualTo(ErrorReason.ERROR_REASON_DUPLICATE_TRANSACTION);

    Map<RecordResult.Code, ErrorReason> refusals =
        Map.of(
            RecordResult.Code.INVALID_TRANSITION, ErrorReason.ERROR_REASON_INVALID_STATUS_TRANSITION,
            RecordResult.Code.CLICK_NOT_FOUND, ErrorReason.ERROR_REASON_CLICK_NOT_FOUND,
            RecordResult.Code.ACCOUNT_MISMATCH, ErrorReason.ERROR_REASON_CLICK_ACCOUNT_MISMATCH,
            RecordResult.Code.CAMPAIGN_MISMATCH, ErrorReason.ERROR_REASON_GOAL_CAMPAIGN_MISMATCH,
            RecordResult.Code.REQUEST_ID_REUSED, ErrorReason.ERROR_REASON_REQUEST_ID_REUSED);
    refusals.forEach(
        (code, reason) ->
            assertThat(reasonOf(() -> ConversionRules.response(new RecordResult(code, "c-1"), plan)))
                .as(code.name())
                .isEqualTo(reason));
  }

  @Test
  void aMissingClickOlderThanTheRetentionHasExpired() {
    AccountRecord account =
        account(goal("default").setAttributionWindow(
            com.google.protobuf.Duration.newBuilder().setSeconds(Duration.ofDays(60).getSeconds())).build());
    RecordPlan late =
        ConversionRules.plan(account, KCID, request().build(), "", CLICK.plus(RETENTION).plusSeconds(1));

    assertThat(reasonOf(() -> ConversionRules.response(new RecordResult(RecordResult.Code.CLICK_NOT_FOUND, ""), late)))
        .isEqualTo(ErrorReason.ERROR_REASON_CLICK_EXPIRED);
  }

  @Test
  void anAccountWideClaimIsKeptOnlyWhenTheTransactionHasAConversion() {
    assertThat(ConversionRules.keepsClaim(RecordResult.Code.ACCEPTED)).isTrue();
    assertThat(ConversionRules.keepsClaim(RecordResult.Code.DUPLICATE_TRANSACTION)).isTrue();
    assertThat(ConversionRules.keepsClaim(RecordResult.Code.STATUS_CHANGED)).isTrue();
    assertThat(ConversionRules.keepsClaim(RecordResult.Code.INVALID_TRANSITION)).isTrue();
    assertThat(ConversionRules.keepsClaim(RecordResult.Code.CLICK_NOT_FOUND)).isFalse();
    assertThat(ConversionRules.keepsClaim(RecordResult.Code.CAMPAIGN_MISMATCH)).isFalse();
    assertThat(ConversionRules.keepsClaim(RecordResult.Code.DUPLICATE_GOAL)).isFalse();

    RecordConversionResponse held = ConversionRules.otherClickHolds(new TransactionClaims.Holder("other", "c-9"));
    assertThat(held.getOutcome()).isEqualTo(Outcome.OUTCOME_DUPLICATE);
    assertThat(held.getConversionId()).isEqualTo("c-9");
    assertThat(held.getDuplicateReason()).isEqualTo(ErrorReason.ERROR_REASON_DUPLICATE_TRANSACTION);
  }

  private static RecordConversionRequest amount(String amount, String currency) {
    return RecordConversionRequest.newBuilder()
        .setValue(Money.newBuilder().setAmount(amount).setCurrencyCode(currency)).build();
  }

  @Test
  void aValueWithoutCurrencyTakesTheGoalsThenTheAccountsThenUsd() {
    Goal plain = goal("sale").build();
    Goal withDefault = goal("sale").setDefaultValue(Money.newBuilder().setAmount("1").setCurrencyCode("GBP")).build();
    assertThat(ConversionRules.value(amount("5", "chf"), withDefault, "JPY").getCurrencyCode()).isEqualTo("CHF");
    assertThat(ConversionRules.value(amount("5", ""), withDefault, "JPY").getCurrencyCode()).isEqualTo("GBP");
    assertThat(ConversionRules.value(amount("1500", ""), plain, "JPY").getCurrencyCode()).isEqualTo("JPY");
    assertThat(ConversionRules.value(amount("5", ""), plain, "").getCurrencyCode())
        .as("an account without a currency keeps the old fallback").isEqualTo("USD");
    assertThat(ConversionRules.value(amount("", ""), plain, "EUR")).as("no amount, no goal default: no value")
        .isEqualTo(Money.getDefaultInstance());
  }
}
