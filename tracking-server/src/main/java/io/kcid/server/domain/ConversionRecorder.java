package io.kcid.server.domain;

import com.google.protobuf.Timestamp;
import io.kcid.core.KcidException;
import io.kcid.core.kcid.DecodedKcid;
import io.kcid.core.kcid.KcidCodec;
import io.kcid.proto.tracking.v1.Conversion;
import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.CountingMode;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.Goal;
import io.kcid.proto.tracking.v1.GoalState;
import io.kcid.proto.tracking.v1.Outcome;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.proto.tracking.v1.RecordConversionResponse;
import io.kcid.server.store.AccountRecord;
import io.kcid.server.store.ClickStore;
import io.kcid.server.store.ConversionStore;
import io.kcid.server.store.RecordCommand;
import io.kcid.server.store.RecordResult;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;

/**
 * Matches a postback to its click and records it exactly once. Everything that can be decided
 * without Redis (kcid MAC, credentials, goal rules, window) is decided first; the remaining
 * checks and the write are one atomic script.
 */
public final class ConversionRecorder {
  /** Clocks of advertisers' servers drift; tolerate this much before calling a time wrong. */
  static final Duration CLOCK_SKEW = Duration.ofMinutes(5);

  private static final Pattern ADV_KEY = Pattern.compile("adv[1-5]");
  private static final String DEFAULT_CURRENCY = "USD";

  private final KcidCodec codec;
  private final ConversionStore conversions;
  private final ClickStore clicks;
  private final AccountDirectory accounts;
  private final Clock clock;

  public ConversionRecorder(
      KcidCodec codec,
      ConversionStore conversions,
      ClickStore clicks,
      AccountDirectory accounts,
      Clock clock) {
    this.codec = codec;
    this.conversions = conversions;
    this.clicks = clicks;
    this.accounts = accounts;
    this.clock = clock;
  }

  public CompletionStage<RecordConversionResponse> record(RecordConversionRequest request) {
    DecodedKcid kcid = codec.decode(request.getKcid());
    String requestId = Identifiers.requestId(request.getRequestId());
    Identifiers.freeText("transaction_id", request.getTransactionId());
    request.getAdvSubIdsMap().forEach(ConversionRecorder::checkAdvSubId);
    return resolveAccount(request, kcid)
        .thenCompose(account -> recordFor(account, kcid, requestId, request));
  }

  /** The account whose rules apply: from the credentials, the request, or the click itself. */
  private CompletionStage<AccountRecord> resolveAccount(
      RecordConversionRequest request, DecodedKcid kcid) {
    if (request.hasCredentials() && !request.getCredentials().getToken().isEmpty()) {
      return accounts
          .authenticate(request.getCredentials().getToken())
          .thenApply(
              account -> {
                String named = request.getAccountId();
                if (!named.isEmpty() && !named.equals(account.account().getAccountId())) {
                  throw new KcidException(
                      ErrorReason.ERROR_REASON_POSTBACK_TOKEN_INVALID,
                      "The postback token does not belong to account '" + named + "'.");
                }
                return account;
              });
    }
    if (request.hasCredentials()) {
      throw new KcidException(
          ErrorReason.ERROR_REASON_POSTBACK_CREDENTIALS_MISSING,
          "The postback carries no credentials: add ?token=… or an Authorization: Bearer header.");
    }
    if (!request.getAccountId().isEmpty()) {
      return accounts.get(request.getAccountId());
    }
    // A trusted gRPC caller that named no account: the click says whose rules apply.
    return clicks
        .find(kcid)
        .thenCompose(
            click ->
                accounts.get(
                    click.orElseThrow(() -> clickMissing(kcid, null)).accountId()));
  }

  private CompletionStage<RecordConversionResponse> recordFor(
      AccountRecord account,
      DecodedKcid kcid,
      String requestId,
      RecordConversionRequest request) {
    Goal goal = goal(account, request.getGoalKey());
    Instant now = clock.instant();
    Instant eventTime = eventTime(request, kcid, now);
    Duration age = Duration.between(kcid.issueTime(), eventTime);
    if (age.compareTo(Retention.window(goal)) > 0) {
      throw new KcidException(
          ErrorReason.ERROR_REASON_OUTSIDE_ATTRIBUTION_WINDOW,
          "The click is " + humanize(age) + " old; goal '" + goal.getGoalKey()
              + "' counts conversions up to " + humanize(Retention.window(goal)) + " after the click.",
          Map.of("goalKey", goal.getGoalKey()));
    }
    if (goal.getCountingMode() == CountingMode.COUNTING_MODE_UNIQUE_TRANSACTION_PER_CLICK
        && request.getTransactionId().isEmpty()) {
      throw new KcidException(
          ErrorReason.ERROR_REASON_MISSING_PARAMETER,
          "goal '" + goal.getGoalKey() + "' counts unique transactions: txid is required.",
          Map.of("field", "txid"));
    }
    Conversion conversion =
        Conversion.newBuilder()
            .setAccountId(account.account().getAccountId())
            .setGoalKey(goal.getGoalKey())
            .setStatus(
                request.getStatus() == ConversionStatus.CONVERSION_STATUS_UNSPECIFIED
                    ? ConversionStatus.CONVERSION_STATUS_APPROVED
                    : request.getStatus())
            .setValue(value(request, goal))
            .setTransactionId(request.getTransactionId())
            .setEventTime(timestamp(eventTime))
            .setRecordTime(timestamp(now))
            .setClickTime(timestamp(kcid.issueTime()))
            .putAllAdvSubIds(request.getAdvSubIdsMap())
            .setTest(request.getTest())
            .build();
    Duration retention = Retention.clickRetention(account.account());
    RecordCommand command =
        new RecordCommand(
            kcid,
            account.account().getAccountId(),
            goal.getGoalKey(),
            goal.getCountingMode() == CountingMode.COUNTING_MODE_UNSPECIFIED
                ? CountingMode.COUNTING_MODE_ONCE_PER_CLICK
                : goal.getCountingMode(),
            request.getTransactionId(),
            requestId,
            fingerprint(request),
            conversion,
            retention,
            max(retention, Retention.MIN_REQUEST_ID_TTL));
    return conversions
        .record(command)
        .thenApply(result -> response(result, conversion, kcid, retention, now));
  }

  private static RecordConversionResponse response(
      RecordResult result, Conversion conversion, DecodedKcid kcid, Duration retention, Instant now) {
    return switch (result.code()) {
      case ACCEPTED ->
          RecordConversionResponse.newBuilder()
              .setOutcome(Outcome.OUTCOME_ACCEPTED)
              .setConversionId(result.conversionId())
              .setConversion(
                  conversion.toBuilder().setConversionId(result.conversionId()).setKcid(kcid.kcid()))
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
      case CLICK_NOT_FOUND -> throw clickMissing(kcid, Duration.between(kcid.issueTime(), now).compareTo(retention) > 0 ? retention : null);
      case ACCOUNT_MISMATCH ->
          throw new KcidException(
              ErrorReason.ERROR_REASON_CLICK_ACCOUNT_MISMATCH,
              "The click belongs to another account than the postback's credentials. Check that the"
                  + " advertiser posts back with the token of the account that issued the click.");
      case REQUEST_ID_REUSED ->
          throw new KcidException(
              ErrorReason.ERROR_REASON_REQUEST_ID_REUSED,
              "request_id was already used for a different conversion ("
                  + result.conversionId() + "). Use a new request_id for a new conversion.");
    };
  }

  /**
   * CLICK_EXPIRED when the kcid is older than the retention (the click was deleted on time),
   * CLICK_NOT_FOUND otherwise.
   */
  static KcidException clickMissing(DecodedKcid kcid, Duration expiredAfter) {
    if (expiredAfter != null) {
      return new KcidException(
          ErrorReason.ERROR_REASON_CLICK_EXPIRED,
          "The click was issued at " + kcid.issueTime() + " and expired after " + humanize(expiredAfter)
              + ", its account's click retention.");
    }
    return new KcidException(
        ErrorReason.ERROR_REASON_CLICK_NOT_FOUND,
        "The kcid is well formed but no click is stored for it: it was issued by another kcid"
            + " deployment, or its click was deleted.");
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
    return t;
  }

  private static io.kcid.proto.tracking.v1.Money value(RecordConversionRequest request, Goal goal) {
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
          : DEFAULT_CURRENCY;
    }
    return Money.normalize(amount, currency);
  }

  /** What makes two requests "the same conversion" for request_id replay. */
  private static String fingerprint(RecordConversionRequest r) {
    return Secrets.sha256Hex(
            String.join(
                "\u001f",
                r.getGoalKey(),
                r.getValue().getAmount(),
                r.getValue().getCurrencyCode(),
                r.getTransactionId(),
                r.getStatus().name(),
                r.hasEventTime() ? Long.toString(r.getEventTime().getSeconds()) : "",
                Boolean.toString(r.getTest()),
                new TreeMap<>(r.getAdvSubIdsMap()).toString()))
        .substring(0, 16);
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

  static String humanize(Duration d) {
    if (d.toDays() >= 2) {
      return d.toDays() + " days";
    }
    if (d.toHours() >= 2) {
      return d.toHours() + " hours";
    }
    return d.toMinutes() + " minutes";
  }

  private static Timestamp timestamp(Instant t) {
    return ClickIssuer.timestamp(t);
  }
}
