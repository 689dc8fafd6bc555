package io.kcid.server.delivery;

import io.kcid.proto.tracking.v1.DeliveryState;
import io.kcid.proto.tracking.v1.Destination;
import io.kcid.server.store.ClaimBudgets;
import io.kcid.server.store.DeliveryJob;
import io.kcid.server.store.DeliveryQueue;
import io.kcid.server.store.OutboxEntry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Turns outbox entries into delivery jobs: reads a partition's outbox as a member of the consumer
 * group "delivery" (taking over entries a dead worker left unacknowledged), creates one job per
 * destination that wants the event (its goals and triggers; empty = all), adds them to the
 * accounts' delivery logs and only then acknowledges and deletes the entries. Every step may be
 * repeated after a crash: job ids are derived from the entry, creation skips existing jobs.
 */
public final class DeliveryDispatcher {
  /** An entry unacknowledged this long belongs to a dead worker and is taken over. */
  public static final Duration STALE = Duration.ofSeconds(30);

  private final DeliveryQueue queue;
  private final DestinationDirectory directory;
  private final String consumer;
  private final Clock clock;
  private final Duration logKeep;
  private final int batch;
  private final Duration stale;

  /**
   * @param consumer this worker's name in the consumer group (unique per process)
   * @param logKeep how long log index entries are kept (max age + log retention)
   * @param batch outbox entries read per partition and pass
   * @param stale how long an entry read by another consumer stays unacknowledged before it is
   *     taken over ({@link #STALE})
   */
  public DeliveryDispatcher(DeliveryQueue queue, DestinationDirectory directory, String consumer, Clock clock,
      Duration logKeep, int batch, Duration stale) {
    this.stale = stale;
    this.queue = queue;
    this.directory = directory;
    this.consumer = consumer;
    this.clock = clock;
    this.logKeep = logKeep;
    this.batch = batch;
  }

  /**
   * One pass over a partition's outbox; {@code reclaim} also takes over stale entries of other
   * consumers. Completes with the number of entries dispatched.
   */
  public CompletionStage<Integer> dispatch(int partition, boolean reclaim) {
    return read(partition, reclaim).thenCompose(read -> commit(read, null));
  }

  /** Outbox entries read from a partition and the jobs they make, not yet created. */
  public record Read(int partition, List<OutboxEntry> entries, List<DeliveryJob> jobs) {}

  /** The first half of a pass: reads a partition's outbox and works out its jobs. */
  public CompletionStage<Read> read(int partition, boolean reclaim) {
    return queue.readOutbox(partition, consumer, reclaim ? stale : null, batch)
        .thenCompose(entries -> entries.isEmpty()
            ? CompletableFuture.completedFuture(new Read(partition, List.of(), List.of()))
            : jobsFor(entries).thenApply(jobs -> new Read(partition, entries, jobs)));
  }

  /**
   * The second half: creates the jobs, adds them to the delivery log, then acknowledges the
   * entries. With a {@code claimer}, the new jobs within what it can take on are claimed as they
   * are created and started by it once they are in the log: no claim per job. Completes with the
   * number of entries dispatched.
   */
  public CompletionStage<Integer> commit(Read read, DeliveryWorker claimer) {
    if (read.entries().isEmpty()) {
      return CompletableFuture.completedFuture(0);
    }
    return enqueue(read.partition(), read.jobs(), claimer)
        .thenCompose(x -> queue.acknowledge(read.partition(), read.entries().stream().map(OutboxEntry::entryId).toList()))
        .thenApply(x -> read.entries().size());
  }

  private CompletionStage<Void> enqueue(int partition, List<DeliveryJob> jobs, DeliveryWorker claimer) {
    if (claimer == null) {
      return queue.enqueue(partition, jobs, null, ClaimBudgets.NONE)
          .thenCompose(enqueued -> queue.index(jobs, clock.instant().minus(logKeep)));
    }
    ClaimBudgets budgets = claimer.reserveFor(jobs);
    return queue.enqueue(partition, jobs, claimer.leaseEnd(), budgets)
        .thenCompose(enqueued -> queue.index(jobs, clock.instant().minus(logKeep))
            .thenAccept(x -> claimer.start(enqueued.claimed())))
        .whenComplete((x, f) -> claimer.release(budgets));
  }

  private CompletionStage<List<DeliveryJob>> jobsFor(List<OutboxEntry> entries) {
    Map<String, CompletableFuture<List<ActiveDestination>>> byAccount = new LinkedHashMap<>();
    for (OutboxEntry e : entries) {
      if (!e.conversionId().isEmpty()) { // deleted while pending: nothing left to send
        byAccount.computeIfAbsent(e.accountId(), a -> directory.forAccount(a).toCompletableFuture());
      }
    }
    return CompletableFuture.allOf(byAccount.values().toArray(CompletableFuture[]::new)).thenApply(x -> {
      List<DeliveryJob> jobs = new ArrayList<>();
      for (OutboxEntry e : entries) {
        CompletableFuture<List<ActiveDestination>> destinations = byAccount.get(e.accountId());
        if (e.conversionId().isEmpty() || destinations == null) {
          continue;
        }
        for (ActiveDestination active : destinations.join()) {
          if (wants(active.destination(), e)) {
            jobs.add(job(e, active.destination()));
          }
        }
      }
      return jobs;
    });
  }

  /** Whether a destination receives the event: its goals and triggers, empty meaning all. */
  static boolean wants(Destination d, OutboxEntry e) {
    return (d.getGoalKeysCount() == 0 || d.getGoalKeysList().contains(e.goalKey()))
        && (d.getTriggersCount() == 0 || d.getTriggersList().contains(e.trigger()));
  }

  private static DeliveryJob job(OutboxEntry e, Destination d) {
    String owner = DeliveryIds.owner(d);
    int dash = e.conversionId().lastIndexOf('-');
    String kcid = dash < 0 ? e.conversionId() : e.conversionId().substring(0, dash);
    return new DeliveryJob(DeliveryIds.of(e.partition(), e.entryId(), owner, d.getDestinationId()), e.partition(),
        e.accountId(), owner, d.getDestinationId(), e.conversionId(), kcid, e.goalKey(), e.trigger(), e.status(),
        DeliveryState.DELIVERY_STATE_PENDING, 0, e.written(), e.written(), e.written(), e.entryId());
  }
}
