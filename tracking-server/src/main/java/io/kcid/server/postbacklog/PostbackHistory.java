package io.kcid.server.postbacklog;

import com.google.protobuf.Timestamp;
import io.kcid.core.KcidException;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.ListPostbacksRequest;
import io.kcid.proto.tracking.v1.ListPostbacksResponse;
import io.kcid.proto.tracking.v1.PostbackLogEntry;
import io.kcid.proto.tracking.v1.PostbackOutcome;
import io.kcid.proto.tracking.v1.RefusalCount;
import io.kcid.server.account.AccountDirectory;
import io.kcid.server.common.Identifiers;
import io.kcid.server.store.PostbackLog;
import io.kcid.server.store.RefusalLog;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;

/** Reads the postback log: an account's postbacks, filtered and paged, newest first. */
public final class PostbackHistory {
  static final int DEFAULT_PAGE = 100;
  static final int MAX_PAGE = 1000;
  /** Open-ended ranges end here: entries are stamped by Redis' clock, which may run ahead of ours. */
  static final Instant FAR_FUTURE = Instant.ofEpochMilli(Long.MAX_VALUE / 2);

  private final PostbackLog log;
  private final RefusalLog refusals;
  private final AccountDirectory accounts;
  private final Clock clock;
  private final Duration retention;

  public PostbackHistory(
      PostbackLog log, RefusalLog refusals, AccountDirectory accounts, Clock clock, Duration retention) {
    this.log = log;
    this.refusals = refusals;
    this.accounts = accounts;
    this.clock = clock;
    this.retention = retention;
  }

  /** The log's retention. */
  public Duration retention() {
    return retention;
  }

  /** The oldest receive time still in the log. */
  Instant horizon() {
    return clock.instant().minus(retention);
  }

  public CompletionStage<ListPostbacksResponse> list(ListPostbacksRequest request) {
    String account = logOf(request);
    Instant start = later(time(request.hasStartTime(), request.getStartTime(), horizon()), horizon());
    Instant end = time(request.hasEndTime(), request.getEndTime(), FAR_FUTURE);
    checkRange(start, end);
    int size = pageSize(request.getPageSize());
    Optional<String> cursor =
        request.getPageToken().isEmpty()
            ? Optional.empty()
            : Optional.of(LogIds.check("page_token", request.getPageToken()));
    Predicate<PostbackLogEntry> filter = filter(request);
    CompletionStage<Void> exists =
        account.isEmpty() ? CompletableFuture.completedFuture(null) : accounts.get(account).thenApply(a -> null);
    LogScanner.Reader reader = request.getUnauthenticated()
        ? (after, count) -> refusals.scanBackward(account, start, end, after, count)
        : (after, count) -> log.scanBackward(account, start, end, after, count);
    return exists
        .thenCompose(x -> LogScanner.scan(reader, cursor, filter, size, LogScanner.MAX_SCAN))
        .thenCompose(page -> {
          ListPostbacksResponse.Builder response = ListPostbacksResponse.newBuilder()
              .addAllEntries(page.entries())
              .setNextPageToken(page.next().orElse(""));
          if (cursor.isPresent()) {
            return CompletableFuture.completedFuture(response.build());
          }
          Instant countedUntil = end.isAfter(clock.instant()) ? clock.instant().plusSeconds(1) : end;
          return refusals.counts(account, start, countedUntil).thenApply(counts -> {
            counts.entrySet().stream()
                .sorted(Map.Entry.<ErrorReason, Long>comparingByValue().reversed()
                    .thenComparing(e -> e.getKey().getNumber()))
                .forEach(e -> response.addRefusalCounts(
                    RefusalCount.newBuilder().setReason(e.getKey()).setCount(e.getValue())));
            return response.build();
          });
        });
  }

  /** Sampled unauthenticated refusals of the account for this kcid, newest first (a scan of the capped sample). */
  CompletionStage<java.util.List<PostbackLogEntry>> refusalsForKcid(String account, String kcid, int limit) {
    String wanted = kcid.trim();
    return LogScanner.scan(
            (after, count) -> refusals.scanBackward(account, horizon(), FAR_FUTURE, after, count),
            Optional.empty(), e -> e.getRequest().getKcid().trim().equalsIgnoreCase(wanted), limit,
            (int) RefusalLog.MAX_LENGTH + LogScanner.BATCH)
        .thenApply(LogScanner.Page::entries);
  }

  /** Entries for this kcid, newest first (a bounded scan; for kcids without a click to index them). */
  CompletionStage<java.util.List<PostbackLogEntry>> forKcid(String account, String kcid, int limit) {
    String wanted = kcid.trim();
    return LogScanner.scan(
            (after, count) -> log.scanBackward(account, horizon(), FAR_FUTURE, after, count),
            Optional.empty(), e -> e.getRequest().getKcid().trim().equalsIgnoreCase(wanted), limit, LogScanner.MAX_SCAN)
        .thenApply(LogScanner.Page::entries);
  }

  private static String logOf(ListPostbacksRequest request) {
    if (request.getUnattributed()) {
      if (!request.getAccountId().isEmpty() || request.getUnauthenticated()) {
        throw new KcidException(
            ErrorReason.ERROR_REASON_INVALID_PARAMETER,
            "Pass account_id (optionally with unauthenticated) or unattributed, not both.",
            Map.of("field", request.getUnauthenticated() ? "unauthenticated" : "account_id"));
      }
      return PostbackLog.UNATTRIBUTED;
    }
    return Identifiers.key("account_id", request.getAccountId());
  }

  private static Predicate<PostbackLogEntry> filter(ListPostbacksRequest request) {
    Predicate<PostbackLogEntry> filter = e -> true;
    if (!request.getKcid().isBlank()) {
      String kcid = request.getKcid().trim().toLowerCase(Locale.ROOT);
      filter = filter.and(e -> e.getRequest().getKcid().trim().toLowerCase(Locale.ROOT).equals(kcid));
    }
    if (request.getOutcome() != PostbackOutcome.POSTBACK_OUTCOME_UNSPECIFIED) {
      PostbackOutcome outcome = request.getOutcome();
      filter = filter.and(e -> e.getOutcome() == outcome);
    }
    if (request.getReason() != ErrorReason.ERROR_REASON_UNSPECIFIED) {
      ErrorReason reason = request.getReason();
      filter = filter.and(e -> e.getReason() == reason);
    }
    return filter;
  }

  static int pageSize(int requested) {
    if (requested < 0) {
      throw new KcidException(
          ErrorReason.ERROR_REASON_INVALID_PARAMETER, "page_size must not be negative", Map.of("field", "page_size"));
    }
    return requested == 0 ? DEFAULT_PAGE : Math.min(requested, MAX_PAGE);
  }

  static Instant time(boolean present, Timestamp t, Instant otherwise) {
    return present ? Instant.ofEpochSecond(t.getSeconds(), t.getNanos()) : otherwise;
  }

  static void checkRange(Instant start, Instant end) {
    if (!start.isBefore(end)) {
      throw new KcidException(
          ErrorReason.ERROR_REASON_INVALID_PARAMETER,
          "start_time must lie before end_time (and end_time within the postback log's retention)",
          Map.of("field", "start_time"));
    }
  }

  private static Instant later(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }
}
