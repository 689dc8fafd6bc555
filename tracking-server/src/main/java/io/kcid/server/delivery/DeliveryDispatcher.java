package io.kcid.server.delivery;

import io.kcid.proto.tracking.v1.DeliveryState;
import io.kcid.proto.tracking.v1.Destination;
import io.kcid.server.common.Futures;
import io.kcid.server.store.ClaimBudgets;
import io.kcid.server.store.DeliveryJob;
import io.kcid.server.store.DeliveryQueue;
import io.kcid.server.store.OutboxEntry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Turns outbox entries into delivery jobs: reads a partition's outbox as a member of the consumer
 * group "delivery" (taking over entries a dead worker left unacknowledged), creates one job per
 * destination that wants the event (its goals and triggers; empty = all), adds them to the
 * accounts' delivery logs and only then acknowledges and deletes the entries. Every step may be
 * repeated after a crash: job ids are derived from the entry, creation skips existing jobs.
 *
 * <p>A new entry with one job that the dispatching worker has room for is not stored as a job at
 * all: the worker sends it straight away ({@link DeliveryJob#direct}), and the step that records
 * its first attempt stores the job and acknowledges the entry. Until then the entry, pending in
 * the consumer group under this worker's name, is the job's lease: a worker that dies leaves it
 * to be taken over after {@link #STALE} and dispatched again, with the same delivery id. This
 * saves a delivery's creation step and its queue entry whenever the receiver keeps up.
 */
public final class DeliveryDispatcher {
  /** An entry unacknowledged this long belongs to a dead worker and is taken over. */
  public static final Duration STALE = Duration.ofSeconds(30);
  /**
   * Time a direct job's outcome needs to be stored, beyond its worker's lease (the longest it
   * may wait for a permit and send): only a lease this much shorter than {@code stale} lets a
   * worker send jobs straight from their entries, so none is taken over while under way.
   */
  static final Duration SETTLE_MARGIN = Duration.ofSeconds(5);

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
   * One pass over a partition's outbox: {@link #read}, {@link #index}, {@link #commit} (the
   * delivery loop does the same over several partitions, with one log write for all of them);
   * {@code reclaim} also takes over stale entries of other consumers, {@code claimer} (or null)
   * as for commit. Completes with the number of entries dispatched.
   */
  public CompletionStage<Integer> dispatch(int partition, boolean reclaim, DeliveryWorker claimer) {
    return read(partition, reclaim)
        .thenCompose(read -> index(List.of(read)).thenCompose(x -> commit(read, claimer)));
  }

  /**
   * Outbox entries read from a partition and the jobs they make, not yet created; {@code reclaimed}
   * when the read took over other consumers' entries too (those are never sent straight away).
   */
  public record Read(int partition, List<OutboxEntry> entries, List<DeliveryJob> jobs, boolean reclaimed) {}

  /** The first half of a pass: reads a partition's outbox and works out its jobs. */
  public CompletionStage<Read> read(int partition, boolean reclaim) {
    return readAll(List.of(partition), reclaim).thenApply(reads -> reads.get(0));
  }

  /**
   * {@link #read} of several partitions, in the order asked: their outboxes in one call where the
   * store can ({@link DeliveryQueue#readOutboxes}).
   */
  public CompletionStage<List<Read>> readAll(List<Integer> partitions, boolean reclaim) {
    return queue.readOutboxes(partitions, consumer, reclaim ? stale : null, batch).thenCompose(entries -> {
      List<CompletableFuture<Read>> reads = new ArrayList<>();
      for (int i = 0; i < partitions.size(); i++) {
        int partition = partitions.get(i);
        List<OutboxEntry> read = entries.get(i);
        reads.add(read.isEmpty()
            ? CompletableFuture.completedFuture(new Read(partition, List.of(), List.of(), reclaim))
            : jobsFor(read).thenApply(jobs -> new Read(partition, read, jobs, reclaim)).toCompletableFuture());
      }
      return Futures.all(reads);
    });
  }

  /**
   * The second half, once {@link #index} added the read's jobs to the delivery log: creates the
   * jobs, then acknowledges the entries. With a {@code claimer}, the new jobs within what it can
   * take on are started by it: sent straight from their entries where it may ({@link
   * DeliveryJob#direct}: their entries stay pending until their first attempt is recorded),
   * otherwise claimed as they are created (no claim per job). Completes with the number of
   * entries dispatched.
   */
  public CompletionStage<Integer> commit(Read read, DeliveryWorker claimer) {
    if (read.entries().isEmpty()) {
      return CompletableFuture.completedFuture(0);
    }
    int partition = read.partition();
    if (claimer == null) {
      return queue.enqueue(partition, read.jobs(), null, ClaimBudgets.NONE)
          .thenCompose(enqueued -> queue.acknowledge(partition, entryIds(read.entries(), Set.of())))
          .thenApply(x -> read.entries().size());
    }
    Split split = split(read, claimer);
    ClaimBudgets budgets = claimer.reserveFor(split.stored());
    return queue.enqueue(partition, split.stored(), claimer.leaseEnd(), budgets)
        .thenAccept(enqueued -> {
          claimer.start(enqueued.claimed());
          claimer.start(split.direct());
        })
        .whenComplete((x, f) -> {
          claimer.release(budgets);
          claimer.releaseDirect(split.directBudgets());
        })
        .thenCompose(x -> queue.acknowledge(partition, entryIds(read.entries(), split.directEntries())))
        .thenApply(x -> read.entries().size());
  }

  /**
   * Adds the jobs of {@code reads} to their accounts' delivery logs, one write per account for all
   * of them (a pass reads several partitions, mostly of the same accounts). A job may be in the
   * log before it is stored: reading the log skips it until then, as it skips one sent straight
   * from its entry until its first attempt is recorded.
   */
  public CompletionStage<Void> index(List<Read> reads) {
    List<DeliveryJob> jobs = new ArrayList<>();
    for (Read read : reads) {
      jobs.addAll(read.jobs());
    }
    return jobs.isEmpty()
        ? CompletableFuture.completedFuture(null)
        : queue.index(jobs, clock.instant().minus(logKeep));
  }

  /** Jobs sent straight from their entries (within the budgets reserved for them), and the rest, to store. */
  private record Split(List<DeliveryJob> direct, Set<String> directEntries, List<DeliveryJob> stored,
      ClaimBudgets directBudgets) {}

  /**
   * Sends straight from its entry the job of every new entry that makes one job (an entry that
   * makes several is stored whole, so that its acknowledgement waits for no other step), within
   * what the claimer may take on that way for its destination ({@link DeliveryWorker#reserveDirect});
   * never for entries taken over from another consumer, nor when the claimer's lease is too long
   * for the takeover time ({@link #SETTLE_MARGIN}).
   */
  private Split split(Read read, DeliveryWorker claimer) {
    boolean allowed = !read.reclaimed() && claimer.lease().plus(SETTLE_MARGIN).compareTo(stale) <= 0;
    if (!allowed) {
      return new Split(List.of(), Set.of(), read.jobs(), ClaimBudgets.NONE);
    }
    Map<String, List<DeliveryJob>> byEntry = new LinkedHashMap<>();
    for (DeliveryJob j : read.jobs()) {
      byEntry.computeIfAbsent(j.entryId(), e -> new ArrayList<>()).add(j);
    }
    ClaimBudgets budgets = claimer.reserveDirect(byEntry.values().stream().filter(jobs -> jobs.size() == 1)
        .map(jobs -> jobs.get(0)).toList());
    Map<String, Integer> left = new HashMap<>(budgets.perDestination());
    List<DeliveryJob> direct = new ArrayList<>();
    Set<String> directEntries = new HashSet<>();
    List<DeliveryJob> stored = new ArrayList<>();
    byEntry.forEach((entry, jobs) -> {
      DeliveryJob only = jobs.get(0);
      if (jobs.size() == 1 && left.getOrDefault(only.destinationKey(), 0) > 0) {
        left.merge(only.destinationKey(), -1, Integer::sum);
        direct.add(only.asDirect());
        directEntries.add(entry);
      } else {
        stored.addAll(jobs);
      }
    });
    return new Split(direct, directEntries, stored, budgets);
  }

  private static List<String> entryIds(List<OutboxEntry> entries, Set<String> except) {
    return entries.stream().map(OutboxEntry::entryId).filter(id -> !except.contains(id)).toList();
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
        DeliveryState.DELIVERY_STATE_PENDING, 0, e.written(), e.written(), e.written(), e.entryId(), false);
  }
}
