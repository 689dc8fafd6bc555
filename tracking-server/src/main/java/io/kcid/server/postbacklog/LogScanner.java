package io.kcid.server.postbacklog;

import io.kcid.proto.tracking.v1.PostbackLogEntry;
import io.kcid.server.store.PostbackLog;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;

/**
 * Filtered reads of a postback log with a bounded cost: batches are read until a page is full,
 * the range ends, or a scan budget is spent. A page cut short by the budget still carries a cursor,
 * so a caller pages on instead of one request scanning a whole log.
 */
final class LogScanner {
  /** Entries read per round trip. */
  static final int BATCH = 500;
  /** Entries one page may scan. */
  static final int MAX_SCAN = 10_000;

  private LogScanner() {}

  /** One read of the log: up to {@code count} entries after the cursor, in the scan's direction. */
  @FunctionalInterface
  interface Reader {
    CompletionStage<PostbackLog.Scan> read(Optional<String> cursor, int count);
  }

  /**
   * @param entries the matching entries, in scan order
   * @param next where to resume (the last entry read), empty when the range is done
   */
  record Page(List<PostbackLogEntry> entries, Optional<String> next) {}

  static CompletionStage<Page> scan(
      Reader reader, Optional<String> cursor, Predicate<PostbackLogEntry> filter, int limit, int budget) {
    return loop(reader, cursor, filter, limit, budget, new ArrayList<>());
  }

  private static CompletionStage<Page> loop(
      Reader reader, Optional<String> cursor, Predicate<PostbackLogEntry> filter, int limit, int budget,
      List<PostbackLogEntry> found) {
    return reader
        .read(cursor, Math.min(BATCH, budget))
        .thenCompose(
            scan -> {
              List<PostbackLogEntry> read = scan.entries();
              for (int i = 0; i < read.size(); i++) {
                PostbackLogEntry entry = read.get(i);
                if (filter.test(entry)) {
                  found.add(entry);
                  if (found.size() == limit) {
                    boolean rangeDone = scan.exhausted() && i == read.size() - 1;
                    return done(found, rangeDone ? Optional.empty() : Optional.of(entry.getLogId()));
                  }
                }
              }
              if (scan.exhausted() || read.isEmpty()) {
                return done(found, Optional.empty());
              }
              String last = read.get(read.size() - 1).getLogId();
              int left = budget - read.size();
              if (left <= 0) {
                return done(found, Optional.of(last));
              }
              return loop(reader, Optional.of(last), filter, limit, left, found);
            });
  }

  private static CompletionStage<Page> done(List<PostbackLogEntry> found, Optional<String> next) {
    return CompletableFuture.completedFuture(new Page(List.copyOf(found), next));
  }
}
