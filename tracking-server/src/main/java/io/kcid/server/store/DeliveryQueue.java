package io.kcid.server.store;

import io.kcid.proto.tracking.v1.Delivery;
import io.kcid.proto.tracking.v1.DeliveryAttempt;
import io.kcid.proto.tracking.v1.DeliveryState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * The delivery outbox, the job queue and the delivery log of every partition. Implementations
 * never block the calling thread.
 */
public interface DeliveryQueue {
  /** The consumer group of the outbox streams. */
  String GROUP = "delivery";

  /** Creates the consumer group on every partition's outbox (and the stream), if missing. */
  CompletionStage<Void> createGroups(int partitions);

  /**
   * Outbox entries of several partitions for this consumer, each partition's in the order asked:
   * first those another consumer read and left unacknowledged for {@code stale} (it died), then
   * new ones; at most {@code count} of each per partition. {@code stale} null reads only new
   * entries (the takeover runs less often than the reads). A store whose partitions share a node
   * may read them all in one call.
   */
  CompletionStage<List<List<OutboxEntry>>> readOutboxes(
      List<Integer> partitions, String consumer, Duration stale, int count);

  /** Creates the jobs (all of one partition), skipping those that exist; completes with how many are new. */
  default CompletionStage<Long> enqueue(int partition, List<DeliveryJob> jobs) {
    return enqueue(partition, jobs, null, ClaimBudgets.NONE).thenApply(Enqueued::created);
  }

  /**
   * Creates the jobs (all of one partition), skipping those that exist, and claims new ones until
   * {@code leaseUntil} within {@code budgets} (null: claims none): the dispatching worker sends
   * them without another round trip.
   */
  CompletionStage<Enqueued> enqueue(int partition, List<DeliveryJob> jobs, Instant leaseUntil, ClaimBudgets budgets);

  /** Adds the jobs to their accounts' delivery log indexes, dropping entries older than {@code trimBefore}. */
  CompletionStage<Void> index(List<DeliveryJob> jobs, Instant trimBefore);

  /** Acknowledges and deletes dispatched outbox entries. */
  CompletionStage<Void> acknowledge(int partition, List<String> entryIds);

  /**
   * Claims up to {@code limit} due jobs of a partition until {@code leaseUntil}, at most a
   * destination's budget of each destination.
   */
  CompletionStage<Claimed> claimDue(int partition, Instant now, Instant leaseUntil, int limit, ClaimBudgets budgets);

  /**
   * Moves a claimed pending job's due time (paused destination, open circuit, no permit). A
   * {@link DeliveryJob#direct} job is stored now, due then, and its outbox entry acknowledged.
   */
  CompletionStage<Void> postpone(DeliveryJob job, Instant due);

  /**
   * Records an attempt (may be null) and moves the job: {@code next} = PENDING retries at
   * {@code retryAt}; DELIVERED, DEAD_LETTERED and CANCELLED finish it, kept for {@code retention}.
   * Completes with the job's state afterwards (a job finished meanwhile by another worker keeps it).
   * A {@link DeliveryJob#direct} job is stored with its outcome, and its outbox entry acknowledged
   * and deleted, in the same step.
   */
  CompletionStage<DeliveryState> finish(
      DeliveryJob job, DeliveryAttempt attempt, DeliveryState next, Instant retryAt, Duration retention);

  /** Queues a job again, with its delivery id, if it is in one of {@code from}. */
  CompletionStage<Boolean> requeue(int partition, String deliveryId, Set<DeliveryState> from, Instant now);

  /** One job with its attempts, oldest first. */
  CompletionStage<Optional<Delivery>> find(int partition, String deliveryId);

  /** A job as stored, without its attempts. */
  CompletionStage<Optional<DeliveryJob>> job(int partition, String deliveryId);

  /** Log index entries of an account, newest first, from position {@code offset}. */
  CompletionStage<List<LogRef>> logPage(String accountId, long offset, int count);

  /** Log index entries of an account created in [from, to), oldest first. */
  CompletionStage<List<LogRef>> logRange(String accountId, Instant from, Instant to);

  /**
   * Pending jobs over all partitions, counting an outbox entry not yet made into jobs, or whose
   * only job is under its first attempt straight from the entry, as one.
   */
  CompletionStage<Long> pending(int partitions);

  /** One entry of an account's delivery log index. */
  record LogRef(int partition, String deliveryId) {}

  /** What {@link #enqueue(int, List, Instant, ClaimBudgets)} did: jobs created, and those claimed. */
  record Enqueued(long created, List<DeliveryJob> claimed) {}

  /** Jobs claimed, and the destinations ("&lt;owner&gt;/&lt;destination id&gt;") left with due jobs. */
  record Claimed(List<DeliveryJob> jobs, Set<String> stillDue) {}
}
