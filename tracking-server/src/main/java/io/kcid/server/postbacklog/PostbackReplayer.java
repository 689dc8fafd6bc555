package io.kcid.server.postbacklog;

import io.kcid.core.KcidException;
import io.kcid.proto.ErrorReasons;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.Outcome;
import io.kcid.proto.tracking.v1.PostbackLogEntry;
import io.kcid.proto.tracking.v1.PostbackOutcome;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.proto.tracking.v1.RecordConversionResponse;
import io.kcid.proto.tracking.v1.ReplayOutcome;
import io.kcid.proto.tracking.v1.ReplayPostbacksRequest;
import io.kcid.proto.tracking.v1.ReplayPostbacksResponse;
import io.kcid.proto.tracking.v1.ReplayedPostback;
import io.kcid.server.account.AccountDirectory;
import io.kcid.server.common.Identifiers;
import io.kcid.server.common.Retention;
import io.kcid.server.conversion.ConversionRecorder;
import io.kcid.server.conversion.ConversionRules;
import io.kcid.server.postback.RecordContext;
import io.kcid.server.store.PostbackLog;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-runs rejected postbacks from the log once the account's configuration was fixed (goal
 * resumed, window widened …). A replay acts as the account (the credentials were never stored, so
 * it cannot check them again) and so re-runs only what {@link ReplayRules} allows: entries whose
 * sender was authenticated as the account and that its own setup refused — never a refusal about
 * who sent it; the others are reported skipped, with why, in a dry run and a real run alike. It
 * runs with request id
 * {@code replay-<log id>}, so replaying an entry twice records it once. A dry run evaluates the
 * same rules from reads only. Entries run one after another, oldest first, so status changes of a
 * transaction apply in the order they were sent.
 */
public final class PostbackReplayer {
  private static final Logger log = LoggerFactory.getLogger(PostbackReplayer.class);
  /** Largest number of log ids per call, as for batches. */
  static final int MAX_IDS = 1000;
  static final String REQUEST_ID_PREFIX = "replay-";

  private final PostbackLog store;
  private final PostbackHistory history;
  private final ConversionRecorder recorder;
  private final AccountDirectory accounts;
  private final Clock clock;

  public PostbackReplayer(
      PostbackLog store, PostbackHistory history, ConversionRecorder recorder, AccountDirectory accounts, Clock clock) {
    this.store = store;
    this.history = history;
    this.recorder = recorder;
    this.accounts = accounts;
    this.clock = clock;
  }

  /** An entry to replay, or the id that named none. */
  private record Selected(String logId, Optional<PostbackLogEntry> entry) {}

  public CompletionStage<ReplayPostbacksResponse> replay(ReplayPostbacksRequest request) {
    String account = Identifiers.key("account_id", request.getAccountId());
    boolean dryRun = request.getDryRun();
    CompletionStage<Selection> selection =
        request.getLogIdsCount() > 0 ? byIds(account, request) : byRange(account, request);
    return accounts
        .get(account)
        .thenCompose(a -> selection)
        .thenCompose(
            selected ->
                runInOrder(account, selected.entries(), dryRun)
                    .thenApply(
                        results ->
                            ReplayPostbacksResponse.newBuilder()
                                .addAllResults(results)
                                .setDryRun(dryRun)
                                .setNextPageToken(selected.next().orElse(""))
                                .build()));
  }

  private record Selection(List<Selected> entries, Optional<String> next) {}

  private CompletionStage<Selection> byIds(String account, ReplayPostbacksRequest request) {
    if (request.hasStartTime() || request.hasEndTime() || !request.getPageToken().isEmpty()
        || request.getReason() != ErrorReason.ERROR_REASON_UNSPECIFIED) {
      throw new KcidException(
          ErrorReason.ERROR_REASON_INVALID_PARAMETER,
          "Pass log_ids or a time range (start_time, end_time, reason), not both.",
          Map.of("field", "log_ids"));
    }
    if (request.getLogIdsCount() > MAX_IDS) {
      throw new KcidException(
          ErrorReason.ERROR_REASON_BATCH_TOO_LARGE,
          "At most " + MAX_IDS + " log ids per call; this one has " + request.getLogIdsCount() + ".",
          Map.of("field", "log_ids"));
    }
    List<String> ids = request.getLogIdsList().stream().map(id -> LogIds.check("log_ids", id)).toList();
    return store
        .get(account, ids)
        .thenApply(
            found -> {
              List<Selected> selected = new ArrayList<>();
              for (int i = 0; i < ids.size(); i++) {
                Optional<PostbackLogEntry> entry =
                    found.get(i).filter(e -> !receiveTime(e).isBefore(history.horizon()));
                selected.add(new Selected(ids.get(i), entry));
              }
              return new Selection(selected, Optional.empty());
            });
  }

  /** The range's rejected originals (replays of them are not selected again), oldest first. */
  private CompletionStage<Selection> byRange(String account, ReplayPostbacksRequest request) {
    if (!request.hasStartTime()) {
      throw new KcidException(
          ErrorReason.ERROR_REASON_MISSING_PARAMETER,
          "Pass log_ids, or start_time (and optionally end_time and reason) to select rejected postbacks.",
          Map.of("field", "start_time"));
    }
    Instant start = PostbackHistory.time(true, request.getStartTime(), null);
    if (start.isBefore(history.horizon())) {
      start = history.horizon();
    }
    Instant end = PostbackHistory.time(request.hasEndTime(), request.getEndTime(), clock.instant());
    PostbackHistory.checkRange(start, end);
    Instant from = start;
    int size = PostbackHistory.pageSize(request.getPageSize());
    Optional<String> cursor =
        request.getPageToken().isEmpty()
            ? Optional.empty()
            : Optional.of(LogIds.check("page_token", request.getPageToken()));
    ErrorReason reason = request.getReason();
    return LogScanner.scan(
            (after, count) -> store.scanForward(account, from, end, after, count),
            cursor,
            e -> e.getOutcome() == PostbackOutcome.POSTBACK_OUTCOME_REJECTED
                && e.getReplayOf().isEmpty()
                && (reason == ErrorReason.ERROR_REASON_UNSPECIFIED || e.getReason() == reason),
            size,
            LogScanner.MAX_SCAN)
        .thenApply(
            page ->
                new Selection(
                    page.entries().stream().map(e -> new Selected(e.getLogId(), Optional.of(e))).toList(),
                    page.next()));
  }

  private CompletionStage<List<ReplayedPostback>> runInOrder(String account, List<Selected> entries, boolean dryRun) {
    CompletionStage<List<ReplayedPostback>> chain = CompletableFuture.completedFuture(new ArrayList<>());
    for (Selected selected : entries) {
      chain = chain.thenCompose(results -> replayOne(account, selected, dryRun).thenApply(r -> {
        results.add(r);
        return results;
      }));
    }
    return chain;
  }

  private CompletionStage<ReplayedPostback> replayOne(String account, Selected selected, boolean dryRun) {
    ReplayedPostback.Builder result = ReplayedPostback.newBuilder().setLogId(selected.logId());
    if (selected.entry().isEmpty()) {
      return done(result
          .setOutcome(ReplayOutcome.REPLAY_OUTCOME_NOT_FOUND)
          .setReason(ErrorReason.ERROR_REASON_POSTBACK_LOG_ENTRY_NOT_FOUND)
          .setMessage("No entry " + selected.logId() + " in account '" + account + "''s postback log (never"
              + " logged, or older than the log's retention of " + Retention.humanize(history.retention()) + ")."));
    }
    PostbackLogEntry entry = selected.entry().get();
    result.setKcid(entry.getRequest().getKcid()).setOriginalReason(entry.getReason());
    if (!entry.getReplayOf().isEmpty()) {
      return done(result
          .setOutcome(ReplayOutcome.REPLAY_OUTCOME_SKIPPED)
          .setMessage("This entry is itself a replay of " + entry.getReplayOf() + "; replay that one."));
    }
    if (entry.getOutcome() != PostbackOutcome.POSTBACK_OUTCOME_REJECTED) {
      return done(result
          .setOutcome(ReplayOutcome.REPLAY_OUTCOME_SKIPPED)
          .setConversionId(entry.getConversionId())
          .setMessage("Only rejected postbacks are replayed; this one was "
              + entry.getOutcome().name().replace("POSTBACK_OUTCOME_", "").toLowerCase(java.util.Locale.ROOT) + "."));
    }
    Optional<String> refused = ReplayRules.notReplayable(entry);
    if (refused.isPresent()) {
      return done(result
          .setOutcome(ReplayOutcome.REPLAY_OUTCOME_SKIPPED)
          .setReason(ErrorReason.ERROR_REASON_POSTBACK_NOT_REPLAYABLE)
          .setMessage(refused.get()));
    }
    RecordContext context = RecordContext.replay(clock.instant(), selected.logId(), dryRun);
    return recorder
        .record(replayRequest(account, entry), context)
        .handle((response, failure) -> outcome(result, context, response, failure, dryRun));
  }

  /**
   * The logged request as the account sends it: no credentials, a request id of its own, and —
   * when the sender gave no event time — the time it was received, so windows are judged as they
   * would have been then.
   */
  static RecordConversionRequest replayRequest(String account, PostbackLogEntry entry) {
    RecordConversionRequest.Builder request =
        entry.getRequest().toBuilder()
            .clearCredentials()
            .setAccountId(account)
            .setRequestId(REQUEST_ID_PREFIX + entry.getLogId());
    if (!request.hasEventTime()) {
      request.setEventTime(entry.getReceiveTime());
    }
    return request.build();
  }

  private static ReplayedPostback outcome(
      ReplayedPostback.Builder result, RecordContext context, RecordConversionResponse response, Throwable failure,
      boolean dryRun) {
    if (failure == null) {
      result.setConversionId(response.getConversionId());
      if (context.repeatedRequest()) {
        return result
            .setOutcome(ReplayOutcome.REPLAY_OUTCOME_DUPLICATE)
            .setMessage("Already replayed: recorded as " + response.getConversionId() + ". Nothing new was written.")
            .build();
      }
      if (response.getOutcome() == Outcome.OUTCOME_DUPLICATE) {
        return result
            .setOutcome(ReplayOutcome.REPLAY_OUTCOME_DUPLICATE)
            .setReason(response.getDuplicateReason())
            .setMessage("Already recorded as " + response.getConversionId() + (dryRun ? ": nothing would be written." : ": nothing new was written."))
            .build();
      }
      // A rule may have chosen the status (a cap reached, a flagged click): say so, with its reason.
      ErrorReason ruled = response.getConversion().getStatusReason();
      String as = ruled == ErrorReason.ERROR_REASON_UNSPECIFIED ? ""
          : " (" + ConversionRules.statusName(response.getConversion().getStatus()) + ": " + ErrorReasons.shortName(ruled) + ")";
      return result
          .setOutcome(ReplayOutcome.REPLAY_OUTCOME_ACCEPTED)
          .setReason(ruled)
          .setMessage((dryRun ? "Would be recorded as " : "Recorded as ") + response.getConversionId() + as + ".")
          .build();
    }
    Throwable t = failure;
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof KcidException k && !ErrorReasons.isRetryable(k.reason())) {
      return result
          .setOutcome(ReplayOutcome.REPLAY_OUTCOME_REJECTED)
          .setReason(k.reason())
          .setMessage(k.getMessage())
          .build();
    }
    if (t instanceof KcidException k) {
      return result
          .setOutcome(ReplayOutcome.REPLAY_OUTCOME_UNKNOWN)
          .setReason(k.reason())
          .setMessage(k.getMessage() + " Run the replay again: it records each postback once.")
          .build();
    }
    log.error("replay of {} failed", result.getLogId(), t);
    return result
        .setOutcome(ReplayOutcome.REPLAY_OUTCOME_UNKNOWN)
        .setReason(ErrorReason.ERROR_REASON_INTERNAL)
        .setMessage("Internal error; it has been logged. Run the replay again: it records each postback once.")
        .build();
  }

  private static CompletionStage<ReplayedPostback> done(ReplayedPostback.Builder result) {
    return CompletableFuture.completedFuture(result.build());
  }

  private static Instant receiveTime(PostbackLogEntry e) {
    return Instant.ofEpochSecond(e.getReceiveTime().getSeconds(), e.getReceiveTime().getNanos());
  }
}
