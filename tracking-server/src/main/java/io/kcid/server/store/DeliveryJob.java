package io.kcid.server.store;

import com.google.protobuf.Timestamp;
import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.Delivery;
import io.kcid.proto.tracking.v1.DeliveryAttempt;
import io.kcid.proto.tracking.v1.DeliveryState;
import io.kcid.proto.tracking.v1.DeliveryTrigger;
import java.time.Instant;
import java.util.List;

/**
 * One outbound job: one conversion event for one destination, in the partition of its click.
 *
 * @param owner the destination's owner, {@code "a:<account>"} or {@code "p:<partner>"}
 * @param created when the event was written to the outbox (the job's log position)
 * @param queued when it was queued last (created, or redelivered): its retries are bounded from here
 * @param nextAttempt when a pending job is due
 * @param attempts how many attempts were made
 * @param direct taken straight from its outbox entry by the worker that dispatched it, and not
 *     stored yet: settling it ({@link DeliveryQueue#finish}, {@link DeliveryQueue#postpone}) stores
 *     it with its outcome and acknowledges the entry in one step
 */
public record DeliveryJob(
    String deliveryId,
    int partition,
    String accountId,
    String owner,
    String destinationId,
    String conversionId,
    String kcid,
    String goalKey,
    DeliveryTrigger trigger,
    ConversionStatus status,
    DeliveryState state,
    int attempts,
    Instant created,
    Instant queued,
    Instant nextAttempt,
    String entryId,
    boolean direct) {

  /** This job, taken straight from its outbox entry (see {@code direct}). */
  public DeliveryJob asDirect() {
    return new DeliveryJob(deliveryId, partition, accountId, owner, destinationId, conversionId, kcid, goalKey,
        trigger, status, state, attempts, created, queued, nextAttempt, entryId, true);
  }

  /**
   * The destination as "&lt;owner&gt;/&lt;destination id&gt;": the key of its limits
   * ({@code DestinationLimiter.key}), of its {@link ClaimBudgets} and of its due-time queue.
   */
  public String destinationKey() {
    return owner + "/" + destinationId;
  }

  /** The partner owning the destination, or "" for the account's own destination. */
  public String destinationPartnerId() {
    return owner.startsWith("p:") ? owner.substring(2) : "";
  }

  /** As the delivery log shows it, with its attempts (oldest first). */
  public Delivery toDelivery(List<DeliveryAttempt> history) {
    Delivery.Builder d = Delivery.newBuilder()
        .setDeliveryId(deliveryId)
        .setAccountId(accountId)
        .setDestinationId(destinationId)
        .setDestinationPartnerId(destinationPartnerId())
        .setConversionId(conversionId)
        .setKcid(kcid)
        .setGoalKey(goalKey)
        .setTrigger(trigger)
        .setStatus(status)
        .setState(state)
        .setCreateTime(timestamp(created))
        .addAllAttempts(history);
    if (state == DeliveryState.DELIVERY_STATE_PENDING) {
      d.setNextAttemptTime(timestamp(nextAttempt));
    }
    return d.build();
  }

  private static Timestamp timestamp(Instant t) {
    return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
  }
}
