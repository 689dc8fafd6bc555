package io.kcid.server.conversion;

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
import io.kcid.server.click.ClickErrors;
import io.kcid.server.click.ClickOwnership;
import io.kcid.server.common.Identifiers;
import io.kcid.server.common.Money;
import io.kcid.server.common.Retention;
import io.kcid.server.common.Secrets;
import io.kcid.server.common.Timestamps;
import io.kcid.server.postback.LegacyMode;
import io.kcid.server.postback.PostbackAuthenticator;
import io.kcid.server.postback.RecordContext;
import io.kcid.server.postback.RecordListener;
import io.kcid.server.postback.SignatureReplays;
import io.kcid.server.store.AccountRecord;
import io.kcid.server.store.ConversionStore;
import io.kcid.server.store.RecordCommand;
import io.kcid.server.store.RecordResult;
import io.kcid.server.store.SignatureReplayCache;
import io.kcid.server.store.TransactionClaims;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;

/**
 * Matches a postback to its click and records it exactly once. Everything that can be decided
 * without Redis (kcid MAC, credentials of a cached account, goal rules, window, minimum time) is
 * decided first; the remaining checks and the write are one atomic script in the click's
 * partition. Who sent it is decided before what it says: a goal rule that refuses a postback on
 * another account's click is answered {@code CLICK_ACCOUNT_MISMATCH} ({@link ClickOwnership}).
 * Goals that count a transaction once per account first claim it under the account's hash tag
 * (see {@link TransactionClaims}).
 */
public final class ConversionRecorder {
  /** Clocks of advertisers' servers drift; tolerate this much before calling a time wrong. */
  static final Duration CLOCK_SKEW = Duration.ofMinutes(5);

  private static final Pattern ADV_KEY = Pattern.compile("adv[1-5]");
  private static final String DEFAULT_CURRENCY = "USD";

  private final KcidCodec codec;
  private final ConversionStore conversions;
  private final TransactionClaims claims;
  private final PostbackAuthenticator authenticator;
  private final Clock clock;
  private final RecordListener listener;
  private final SignatureReplays signatures;

  public ConversionRecorder(
      KcidCodec codec,
      ConversionStore conversions,
      TransactionClaims claims,
      PostbackAuthenticator authenticator,
      Clock clock) {
    this(codec, conversions, claims, authenticator, clock, RecordListener.NONE);
  }

  /** @param listener told about every postback's outcome (the postback log) */
  public ConversionRecorder(
      KcidCodec codec,
      ConversionStore conversions,
      TransactionClaims claims,
      PostbackAuthenticator authenticator,
      Clock clock,
      RecordListener listener) {
    this(codec, conversions, claims, authenticator, clock, listener, new SignatureReplays(SignatureReplayCache.NONE));
  }

  /** @param signatures makes each postback signature single-use (see {@link SignatureReplays}) */
  public ConversionRecorder(
      KcidCodec codec,
      ConversionStore conversions,
      TransactionClaims claims,
      PostbackAuthenticator authenticator,
      Clock clock,
      RecordListener listener,
      SignatureReplays signatures) {
    this.signatures = signatures;
    this.codec = codec;
    this.conversions = conversions;
    this.claims = claims;
    this.authenticator = authenticator;
    this.clock = clock;
    this.listener = listener;
  }

  public CompletionStage<RecordConversionResponse> record(RecordConversionRequest request) {
    return record(request, RecordContext.postback(clock.instant()));
  }

  /**
   * Records (or, for a dry run, evaluates) a postback. Except for dry runs, the listener hears of
   * the outcome before the returned stage completes, so what it writes is issued before the
   * caller answers; it cannot change the answer.
   */
  public CompletionStage<RecordConversionResponse> record(
      RecordConversionRequest request, RecordContext context) {
    CompletionStage<RecordConversionResponse> stage;
    try {
      stage = attempt(request, context);
    } catch (RuntimeException e) {
      stage = CompletableFuture.failedFuture(e);
    }
    if (context.dryRun()) {
      return stage;
    }
    return stage.whenComplete((response, failure) -> listener.completed(request, context, response, failure));
  }

  private CompletionStage<RecordConversionResponse> attempt(
      RecordConversionRequest request, RecordContext context) {
    DecodedKcid kcid = codec.decode(request.getKcid());
    context.verified(kcid);
    String requestId = Identifiers.requestId(request.getRequestId());
    Identifiers.freeText("transaction_id", request.getTransactionId());
    request.getAdvSubIdsMap().forEach(ConversionRecorder::checkAdvSubId);
    return authenticator
        .authenticate(request, kcid, context)
        .thenCompose(
            account ->
                withLegacyFlag(account, () -> ClickOwnership.first(
                    authenticator.owners(), kcid, account.account().getAccountId(),
                    () -> signatures.once(account, request, context,
                        () -> recordFor(account, kcid, requestId, request, context)))));
  }

  /**
   * Rejections of an account in "legacy 200" mode carry a flag so the edge answers 200 (with the
   * reason in the body) to senders that retry anything else.
   */
  private static <T> CompletionStage<T> withLegacyFlag(
      AccountRecord account, java.util.function.Supplier<CompletionStage<T>> work) {
    CompletionStage<T> stage;
    try {
      stage = work.get();
    } catch (RuntimeException e) {
      stage = CompletableFuture.failedFuture(e);
    }
    if (!account.account().getLegacyHttp200()) {
      return stage;
    }
    return stage.exceptionally(
        failure -> {
          Throwable t = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
          if (t instanceof KcidException k) {
            throw LegacyMode.mark(account, k);
          }
          throw failure instanceof CompletionException c ? c : new CompletionException(failure);
        });
  }

  private CompletionStage<RecordConversionResponse> recordFor(
      AccountRecord account, DecodedKcid kcid, String requestId, RecordConversionRequest request,
      RecordContext context) {
    Goal goal = goal(account, request.getGoalKey());
    Instant now = clock.instant();
    Instant eventTime = eventTime(request, kcid, now);
    checkTiming(goal, Duration.between(kcid.issueTime(), eventTime));
    CountingMode mode =
        goal.getCountingMode() == CountingMode.COUNTING_MODE_UNSPECIFIED
            ? CountingMode.COUNTING_MODE_ONCE_PER_CLICK
            : goal.getCountingMode();
    String txid = request.getTransactionId();
    if (txid.isEmpty()
        && (mode == CountingMode.COUNTING_MODE_UNIQUE_TRANSACTION_PER_CLICK
            || mode == CountingMode.COUNTING_MODE_UNIQUE_TRANSACTION_PER_ACCOUNT)) {
      throw new KcidException(
          ErrorReason.ERROR_REASON_MISSING_PARAMETER,
          "goal '" + goal.getGoalKey() + "' counts unique transactions: txid is required.",
          Map.of("field", "txid"));
    }
    checkStatus(request.getStatus());
    io.kcid.proto.tracking.v1.Money value = value(request, goal);
    ConversionStatus status =
        request.getStatus() == ConversionStatus.CONVERSION_STATUS_UNSPECIFIED
            ? ConversionStatus.CONVERSION_STATUS_APPROVED
            : request.getStatus();
    Conversion payload =
        Conversion.newBuilder()
            .setAccountId(account.account().getAccountId())
            .setGoalKey(goal.getGoalKey())
            .setOriginalValue(value)
            .setTransactionId(txid)
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
            mode,
            txid,
            requestId,
            requestId.isEmpty() ? "" : fingerprint(request),
            payload.toByteArray(),
            value,
            request.getStatus(),
            status,
            StatusTransitions.sourcesOf(request.getStatus()),
            goal.getCampaignIdsList(),
            request.getTest(),
            now,
            retention,
            max(retention, Retention.MIN_REQUEST_ID_TTL),
            eventTime,
            TimeToConvert.bucketOf(Duration.between(kcid.issueTime(), eventTime)));
    Conversion recorded = payload.toBuilder().setStatus(status).setValue(value).build();
    if (context.dryRun()) {
      return evaluate(command, mode, recorded, retention, now, context);
    }
    if (mode == CountingMode.COUNTING_MODE_UNIQUE_TRANSACTION_PER_ACCOUNT) {
      return recordAccountUnique(command, recorded, retention, now, context);
    }
    return conversions
        .record(command)
        .thenApply(result -> response(noteRepeat(result, context), recorded, kcid, retention, now));
  }

  /**
   * A dry run: the same decisions, from reads only. An account-wide transaction claim is looked
   * at, not taken.
   */
  private CompletionStage<RecordConversionResponse> evaluate(
      RecordCommand command, CountingMode mode, Conversion recorded, Duration retention, Instant now,
      RecordContext context) {
    CompletionStage<java.util.Optional<TransactionClaims.Holder>> holder =
        mode == CountingMode.COUNTING_MODE_UNIQUE_TRANSACTION_PER_ACCOUNT
            ? claims.peek(command.requiredAccountId(), command.goalKey(), command.transactionId())
            : CompletableFuture.completedFuture(java.util.Optional.empty());
    return holder.thenCompose(
        claim -> {
          if (claim.isPresent() && !claim.get().kcid().equals(command.kcid().kcid())) {
            return ClickOwnership.owned(authenticator.owners(), command.kcid(), command.requiredAccountId())
                .thenApply(owned -> otherClickHolds(claim.get()));
          }
          return conversions
              .evaluate(command)
              .thenApply(result -> response(noteRepeat(result, context), recorded, command.kcid(), retention, now));
        });
  }

  private static RecordResult noteRepeat(RecordResult result, RecordContext context) {
    if (result.repeated()) {
      context.markRepeated();
    }
    return result;
  }

  private static RecordConversionResponse otherClickHolds(TransactionClaims.Holder holder) {
    return RecordConversionResponse.newBuilder()
        .setOutcome(Outcome.OUTCOME_DUPLICATE)
        .setConversionId(holder.conversionId())
        .setDuplicateReason(ErrorReason.ERROR_REASON_DUPLICATE_TRANSACTION)
        .build();
  }

  /**
   * Claim the transaction account-wide (it lives in another hash slot than the click), then record
   * in the click's partition. A retry of the same postback finds its own claim and is deduplicated
   * by the partition's per-click transaction key; a definite refusal releases the claim.
   */
  private CompletionStage<RecordConversionResponse> recordAccountUnique(
      RecordCommand command, Conversion recorded, Duration retention, Instant now, RecordContext context) {
    String account = command.requiredAccountId();
    String kcid = command.kcid().kcid();
    Duration claimTtl = max(retention, Retention.MIN_REQUEST_ID_TTL);
    return claims
        .claim(account, command.goalKey(), command.transactionId(), kcid, claimTtl)
        .thenCompose(
            holder -> {
              if (!holder.kcid().equals(kcid)) {
                return ClickOwnership.owned(authenticator.owners(), command.kcid(), account)
                    .thenApply(owned -> otherClickHolds(holder));
              }
              return conversions
                  .record(command)
                  .thenCompose(
                      result -> {
                        boolean written =
                            result.code() == RecordResult.Code.ACCEPTED
                                || result.code() == RecordResult.Code.DUPLICATE_TRANSACTION
                                || result.code() == RecordResult.Code.STATUS_CHANGED
                                || result.code() == RecordResult.Code.INVALID_TRANSITION;
                        CompletionStage<Void> bookkeeping =
                            written
                                ? claims.settle(account, command.goalKey(), command.transactionId(), kcid, result.conversionId())
                                : claims.release(account, command.goalKey(), command.transactionId(), kcid);
                        return bookkeeping.thenApply(
                            x -> response(noteRepeat(result, context), recorded, command.kcid(), retention, now));
                      });
            });
  }

  private static RecordConversionResponse response(
      RecordResult result, Conversion recorded, DecodedKcid kcid, Duration retention, Instant now) {
    return switch (result.code()) {
      case ACCEPTED ->
          RecordConversionResponse.newBuilder()
              .setOutcome(Outcome.OUTCOME_ACCEPTED)
              .setConversionId(result.conversionId())
              .setConversion(
                  recorded.toBuilder().setConversionId(result.conversionId()).setKcid(kcid.kcid()))
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
          throw ClickErrors.missing(
              kcid, Duration.between(kcid.issueTime(), now).compareTo(retention) > 0 ? retention : null);
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

  /**
   * CLICK_EXPIRED when the kcid is older than the retention (the click was deleted on time),
   * CLICK_NOT_FOUND otherwise.
   */
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

  static io.kcid.proto.tracking.v1.Money value(RecordConversionRequest request, Goal goal) {
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

  public static String statusName(ConversionStatus s) {
    return s.name().replace("CONVERSION_STATUS_", "").toLowerCase(java.util.Locale.ROOT);
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  private static Timestamp timestamp(Instant t) {
    return Timestamps.of(t);
  }
}
