package io.kcid.server.conversion;

import io.kcid.core.KcidException;
import io.kcid.core.kcid.DecodedKcid;
import io.kcid.proto.tracking.v1.Conversion;
import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.CountingMode;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.Goal;
import io.kcid.proto.tracking.v1.GoalState;
import io.kcid.proto.tracking.v1.Outcome;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.proto.tracking.v1.RecordConversionResponse;
import io.kcid.server.click.ClickErrors;
import io.kcid.server.common.Identifiers;
import io.kcid.server.common.Money;
import io.kcid.server.common.Retention;
import io.kcid.server.common.Secrets;
import io.kcid.server.common.Timestamps;
import io.kcid.server.fraud.FraudSettings;
import io.kcid.server.store.AccountRecord;
import io.kcid.server.store.RecordCommand;
import io.kcid.server.store.RecordResult;
import io.kcid.server.store.TransactionClaims;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The rules of a postback, without I/O: from the account, the decoded kcid, the request and the
 * instant, what to record ({@link RecordPlan}), and from the store's verdict, what to answer.
 * Every refusal is a {@link KcidException} with its {@link ErrorReason}, thrown in the order the
 * checks are listed in {@link #plan}.
 */
public final class ConversionRules {
  /** Clocks of advertisers' servers drift; tolerate this much before calling a time wrong. */
  static final Duration CLOCK_SKEW = Duration.ofMinutes(5);

  private static final Pattern ADV_KEY = Pattern.compile("adv[1-5]");
  private static final String DEFAULT_CURRENCY = "USD";

  private ConversionRules() {}

  /**
   * The checks that need nothing but the request, done before the sender is authenticated.
   *
   * @return the request id, normalized (empty when none)
   */
  public static String checkedRequestId(RecordConversionRequest request) {
    String requestId = Identifiers.requestId(request.getRequestId());
    Identifiers.freeText("transaction_id", request.getTransactionId());
    request.getAdvSubIdsMap().forEach(ConversionRules::checkAdvSubId);
    return requestId;
  }

  /**
   * Decides what an authenticated postback records: goal (requested or default; missing or
   * paused refuses), event time (future or before the click refuses), attribution window and
   * minimum time, the transaction id a counting mode needs, status and value.
   *
   * @param requestId as returned by {@link #checkedRequestId}
   * @param now the record time
   * @throws KcidException the refusal, with its reason
   */
  public static RecordPlan plan(
      AccountRecord account, DecodedKcid kcid, RecordConversionRequest request, String requestId, Instant now) {
    Goal goal = goal(account, request.getGoalKey());
    Instant eventTime = eventTime(request, kcid, now);
    checkTiming(goal, Duration.between(kcid.issueTime(), eventTime));
    CountingMode mode = countingMode(goal);
    String txid = request.getTransactionId();
    if (txid.isEmpty()
        && (mode == CountingMode.COUNTING_MODE_UNIQUE_TRANSACTION_PER_CLICK
            || mode == CountingMode.COUNTING_MODE_UNIQUE_TRANSACTION_PER_ACCOUNT)) {
      throw new KcidException(
          ErrorReason.ERROR_REASON_MISSING_PARAMETER,
          "goal '" + goal.getGoalKey() + "' counts unique transactions: txid is required.",
          Map.of("field", "txid"));
    }
    // The sender's word through the account's status map (or ignored, as the account says).
    ConversionStatus requested = InboundStatus.requested(account.account(), request);
    checkStatus(requested);
    io.kcid.proto.tracking.v1.Money value = value(request, goal, account.account().getCurrencyCode());
    ConversionStatus status =
        requested == ConversionStatus.CONVERSION_STATUS_UNSPECIFIED
            ? ConversionStatus.CONVERSION_STATUS_APPROVED
            : requested;
    Conversion payload =
        Conversion.newBuilder()
            .setAccountId(account.account().getAccountId())
            .setGoalKey(goal.getGoalKey())
            .setOriginalValue(value)
            .setTransactionId(txid)
            .setEventTime(Timestamps.of(eventTime))
            .setRecordTime(Timestamps.of(now))
            .setClickTime(Timestamps.of(kcid.issueTime()))
            .putAllAdvSubIds(request.getAdvSubIdsMap())
            .setTest(request.getTest())
            .build();
    Duration retention = Retention.clickRetention(account.account());
    RecordCommand command =
        new RecordCommand(
            kcid,
            account.account().getAccountId(),
            goal.getGoalKey(),
            mode,
            txid,
            requestId,
            requestId.isEmpty() ? "" : fingerprint(request),
            payload.toByteArray(),
            value,
            requested,
            status,
            StatusTransitions.sourcesOf(requested),
            goal.getCampaignIdsList(),
            request.getTest(),
            now,
            retention,
            max(retention, Retention.MIN_REQUEST_ID_TTL),
            eventTime,
            TimeToConvert.bucketOf(Duration.between(kcid.issueTime(), eventTime)),
            FraudSettings.statusOf(account.account().getFlaggedClickAction()));
    Conversion recorded = payload.toBuilder().setStatus(status).setValue(value).build();
    return new RecordPlan(goal, mode, command, recorded, retention, now);
  }

  /**
   * The answer to a planned postback once the store has ruled.
   *
   * @throws KcidException when the store refused it (transition, click, account, campaign, request id)
   */
  public static RecordConversionResponse response(RecordResult result, RecordPlan plan) {
    Conversion recorded = plan.recorded();
    DecodedKcid kcid = plan.command().kcid();
    RecordConversionResponse answer = answer(result, plan, recorded, kcid);
    return result.repeated() ? answer.toBuilder().setRepeatedRequest(true).build() : answer;
  }

  private static RecordConversionResponse answer(
      RecordResult result, RecordPlan plan, Conversion recorded, DecodedKcid kcid) {
    return switch (result.code()) {
      case ACCEPTED ->
          RecordConversionResponse.newBuilder()
              .setOutcome(Outcome.OUTCOME_ACCEPTED)
              .setConversionId(result.conversionId())
              .setConversion(flagged(recorded, result).setConversionId(result.conversionId()).setKcid(kcid.kcid()))
              .build();
      case STATUS_CHANGED ->
          // The postback's status was applied to the transaction's existing conversion.
          RecordConversionResponse.newBuilder()
              .setOutcome(Outcome.OUTCOME_ACCEPTED)
              .setConversionId(result.conversionId())
              .build();
      case DUPLICATE_GOAL, DUPLICATE_TRANSACTION ->
          RecordConversionResponse.newBuilder()
              .setOutcome(Outcome.OUTCOME_DUPLICATE)
              .setConversionId(result.conversionId())
              .setDuplicateReason(
                  result.code() == RecordResult.Code.DUPLICATE_GOAL
                      ? ErrorReason.ERROR_REASON_DUPLICATE_CONVERSION
                      : ErrorReason.ERROR_REASON_DUPLICATE_TRANSACTION)
              .build();
      case INVALID_TRANSITION ->
          throw new KcidException(
              ErrorReason.ERROR_REASON_INVALID_STATUS_TRANSITION,
              "Conversion " + result.conversionId() + " cannot move to "
                  + statusName(recorded.getStatus()) + ": " + StatusTransitions.describe() + ".",
              Map.of("conversionId", result.conversionId()));
      case CLICK_NOT_FOUND ->
          // CLICK_EXPIRED when the kcid is older than the retention (the click was deleted on
          // time), CLICK_NOT_FOUND otherwise.
          throw ClickErrors.missing(
              kcid,
              Duration.between(kcid.issueTime(), plan.now()).compareTo(plan.retention()) > 0
                  ? plan.retention()
                  : null);
      case ACCOUNT_MISMATCH ->
          throw new KcidException(
              ErrorReason.ERROR_REASON_CLICK_ACCOUNT_MISMATCH,
              "The click belongs to another account than the postback's credentials. Check that the"
                  + " advertiser posts back with the token of the account that issued the click.");
      case CAMPAIGN_MISMATCH ->
          throw new KcidException(
              ErrorReason.ERROR_REASON_GOAL_CAMPAIGN_MISMATCH,
              "Goal '" + recorded.getGoalKey() + "' counts only clicks of its campaigns; this click"
                  + " belongs to another campaign.",
              Map.of("goalKey", recorded.getGoalKey()));
      case REQUEST_ID_REUSED ->
          throw new KcidException(
              ErrorReason.ERROR_REASON_REQUEST_ID_REUSED,
              "request_id was already used for a different conversion ("
                  + result.conversionId() + "). Use a new request_id for a new conversion.");
    };
  }

  /** The recorded conversion, with the status and reason the script gave it when its click was flagged. */
  private static Conversion.Builder flagged(Conversion recorded, RecordResult result) {
    Conversion.Builder c = recorded.toBuilder();
    if (result.flagged() != null) {
      c.setStatus(result.flagged().status()).setStatusReason(result.flagged().reason());
    }
    return c;
  }

  /** The answer when another click already holds the transaction account-wide. */
  public static RecordConversionResponse otherClickHolds(TransactionClaims.Holder holder) {
    return RecordConversionResponse.newBuilder()
        .setOutcome(Outcome.OUTCOME_DUPLICATE)
        .setConversionId(holder.conversionId())
        .setDuplicateReason(ErrorReason.ERROR_REASON_DUPLICATE_TRANSACTION)
        .build();
  }

  /**
   * Whether the transaction now has a conversion on the claiming click (so the account-wide claim
   * is settled), rather than a definite refusal (so the claim is released).
   */
  public static boolean keepsClaim(RecordResult.Code code) {
    return code == RecordResult.Code.ACCEPTED
        || code == RecordResult.Code.DUPLICATE_TRANSACTION
        || code == RecordResult.Code.STATUS_CHANGED
        || code == RecordResult.Code.INVALID_TRANSITION;
  }

  /** "approved", "pending", "rejected": a status as messages name it. */
  public static String statusName(ConversionStatus s) {
    return s.name().replace("CONVERSION_STATUS_", "").toLowerCase(Locale.ROOT);
  }

  static CountingMode countingMode(Goal goal) {
    return goal.getCountingMode() == CountingMode.COUNTING_MODE_UNSPECIFIED
        ? CountingMode.COUNTING_MODE_ONCE_PER_CLICK
        : goal.getCountingMode();
  }

  private static Goal goal(AccountRecord account, String requested) {
    String key = requested.isEmpty() ? account.account().getDefaultGoalKey() : requested;
    Goal goal =
        account
            .goal(key)
            .orElseThrow(
                () ->
                    new KcidException(
                        ErrorReason.ERROR_REASON_GOAL_NOT_FOUND,
                        "Account '" + account.account().getAccountId() + "' has no goal '" + key
                            + "'. Known goals: " + new TreeMap<>(account.goals()).keySet() + ".",
                        Map.of("goalKey", key)));
    if (goal.getState() == GoalState.GOAL_STATE_PAUSED) {
      throw new KcidException(
          ErrorReason.ERROR_REASON_GOAL_PAUSED,
          "Goal '" + key + "' is paused; its postbacks are not counted.",
          Map.of("goalKey", key));
    }
    return goal;
  }

  private static void checkTiming(Goal goal, Duration age) {
    if (age.compareTo(Retention.window(goal)) > 0) {
      throw new KcidException(
          ErrorReason.ERROR_REASON_OUTSIDE_ATTRIBUTION_WINDOW,
          "The click is " + Retention.humanize(age) + " old; goal '" + goal.getGoalKey()
              + "' counts conversions up to " + Retention.humanize(Retention.window(goal)) + " after the click.",
          Map.of("goalKey", goal.getGoalKey()));
    }
    if (goal.hasMinTimeToConvert()
        && age.getSeconds() < goal.getMinTimeToConvert().getSeconds()) {
      throw new KcidException(
          ErrorReason.ERROR_REASON_BELOW_MINIMUM_TIME,
          "The conversion came " + age.getSeconds() + " s after the click; goal '" + goal.getGoalKey()
              + "' counts conversions from " + goal.getMinTimeToConvert().getSeconds()
              + " s after the click (faster ones are usually bots or click injection).",
          Map.of("goalKey", goal.getGoalKey()));
    }
  }

  private static void checkStatus(ConversionStatus status) {
    if (status == ConversionStatus.UNRECOGNIZED) {
      throw new KcidException(
          ErrorReason.ERROR_REASON_INVALID_STATUS,
          "status must be approved, pending or rejected.",
          Map.of("field", "status"));
    }
  }

  /** The sender's event time, or now; a time up to the clock skew in the future counts as now. */
  private static Instant eventTime(RecordConversionRequest request, DecodedKcid kcid, Instant now) {
    if (!request.hasEventTime()) {
      return now;
    }
    Instant t =
        Instant.ofEpochSecond(request.getEventTime().getSeconds(), request.getEventTime().getNanos());
    if (t.isAfter(now.plus(CLOCK_SKEW))) {
      throw new KcidException(
          ErrorReason.ERROR_REASON_EVENT_TIME_IN_FUTURE,
          "event_time " + t + " lies in the future (server time " + now + ").");
    }
    if (t.isBefore(kcid.issueTime().minus(CLOCK_SKEW))) {
      throw new KcidException(
          ErrorReason.ERROR_REASON_EVENT_TIME_BEFORE_CLICK,
          "event_time " + t + " lies before the click (" + kcid.issueTime() + ").");
    }
    return t.isAfter(now) ? now : t;
  }

  /**
   * The request's value, else the goal's default value; the currency falls back the same way, then
   * to the account's currency, then to USD (accounts without a currency keep the behaviour they had
   * before accounts had one).
   */
  static io.kcid.proto.tracking.v1.Money value(RecordConversionRequest request, Goal goal, String accountCurrency) {
    String amount = request.getValue().getAmount();
    String currency = request.getValue().getCurrencyCode();
    if (amount.isEmpty()) {
      if (!goal.hasDefaultValue() || goal.getDefaultValue().getAmount().isEmpty()) {
        return io.kcid.proto.tracking.v1.Money.getDefaultInstance();
      }
      amount = goal.getDefaultValue().getAmount();
      if (currency.isEmpty()) {
        currency = goal.getDefaultValue().getCurrencyCode();
      }
    }
    if (currency.isEmpty()) {
      currency = goal.hasDefaultValue() && !goal.getDefaultValue().getCurrencyCode().isEmpty()
          ? goal.getDefaultValue().getCurrencyCode()
          : accountCurrency.isEmpty() ? DEFAULT_CURRENCY : accountCurrency;
    }
    return Money.normalize(amount, currency, goal.getAllowNegativeValue());
  }

  /**
   * What makes two requests "the same conversion" for request_id replay; only computed for a
   * request that has a request_id (the record script reads it for nothing else).
   */
  private static String fingerprint(RecordConversionRequest r) {
    return Secrets.sha256Hex(
            String.join(
                "\u001f",
                r.getGoalKey(),
                r.getValue().getAmount(),
                r.getValue().getCurrencyCode(),
                r.getTransactionId(),
                statusPart(r),
                r.hasEventTime() ? Long.toString(r.getEventTime().getSeconds()) : "",
                Boolean.toString(r.getTest()),
                new TreeMap<>(r.getAdvSubIdsMap()).toString()))
        .substring(0, 16);
  }

  /**
   * The status as the fingerprint has always named it, plus the sender's word when that says more
   * than the enum (a word kcid knows, sent beside its enum, fingerprints as before).
   */
  private static String statusPart(RecordConversionRequest r) {
    String word = r.getStatusWord().strip().toLowerCase(Locale.ROOT);
    return word.isEmpty() || word.equals(statusName(r.getStatus()))
        ? r.getStatus().name()
        : r.getStatus().name() + ":" + word;
  }

  private static void checkAdvSubId(String key, String value) {
    if (!ADV_KEY.matcher(key).matches()) {
      throw new KcidException(
          ErrorReason.ERROR_REASON_INVALID_PARAMETER,
          "adv sub id key '" + key + "' is not one of adv1 … adv5",
          Map.of("field", "adv_sub_ids"));
    }
    Identifiers.freeText(key, value);
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }
}
