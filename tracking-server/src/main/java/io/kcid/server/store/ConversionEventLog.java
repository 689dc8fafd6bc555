package io.kcid.server.store;

import io.kcid.proto.tracking.v1.ConversionEvent;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The per-partition logs of conversion events (new conversions and status changes), appended by
 * the record and status scripts in the same atomic step as the change. Every method reads or
 * touches one partition; none blocks the caller or the store.
 */
public interface ConversionEventLog {

  /** A position in a partition's log: the entry id and its event sequence number (-1 unknown). */
  record Position(String entryId, long sequence) {}

  /**
   * One entry. {@code event} is null for an entry a consumer group still had pending but that was
   * trimmed from the log since.
   */
  record Entry(int partition, String entryId, long sequence, ConversionEvent event) {}

  /** Entries taken over from other consumers, and where the next scan starts. */
  record Claimed(String nextStartId, List<Entry> entries) {}

  /**
   * How far a consumer group is behind on one partition: entries delivered but not acknowledged,
   * and entries not yet delivered (-1 when Redis does not say: before Redis 7).
   */
  record GroupBacklog(String group, long pending, long lag) {}

  int partitions();

  /** The newest position of a partition ("0-0" when empty). */
  CompletionStage<Position> tail(int partition);

  /**
   * The sequence number of the oldest entry the last trim of the partition's log left (0 when it
   * was never trimmed): events numbered below it are gone.
   */
  CompletionStage<Long> trimHorizon(int partition);

  /** Up to {@code count} entries after {@code afterEntryId}, oldest first. */
  CompletionStage<List<Entry>> read(int partition, String afterEntryId, int count);

  /** Creates the consumer group on the partition unless it exists, at its start or its end. */
  CompletionStage<Void> createGroup(int partition, String group, boolean fromStart);

  /** Up to {@code count} entries never delivered to the group, now pending for the consumer. */
  CompletionStage<List<Entry>> readNew(int partition, String group, String consumer, int count);

  /** The consumer's own pending entries after {@code afterEntryId} (delivered, unacknowledged). */
  CompletionStage<List<Entry>> readPending(
      int partition, String group, String consumer, String afterEntryId, int count);

  /** Takes over entries other consumers left pending longer than {@code minIdle}. */
  CompletionStage<Claimed> claim(
      int partition, String group, String consumer, Duration minIdle, String startId, int count);

  /** Every consumer group of the partition's log and its backlog (none by default). */
  default CompletionStage<List<GroupBacklog>> groups(int partition) {
    return CompletableFuture.completedFuture(List.of());
  }

  /** Acknowledges entries of the group; returns how many were pending. */
  CompletionStage<Long> ack(int partition, String group, List<String> entryIds);

  /**
   * Whether {@link #appendedSince} tells idle readers of appends; when not, they poll every
   * KCID_STREAM_POLL_MS.
   */
  default boolean signalsAppends() {
    return false;
  }

  /** A mark to take before a read that may find nothing new, for {@link #appendedSince}. */
  default long appendMark() {
    return 0;
  }

  /**
   * Completes once an event was appended to some partition's log after {@code mark} was taken (or
   * the log lost track and a read is due anyway); never, when this log does not signal appends.
   */
  default CompletionStage<Void> appendedSince(long mark) {
    return new java.util.concurrent.CompletableFuture<>();
  }
}
