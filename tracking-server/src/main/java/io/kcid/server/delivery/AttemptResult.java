package io.kcid.server.delivery;

import io.kcid.proto.tracking.v1.DeliveryAttempt;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How one HTTP attempt ended and what the queue does next: {@link Outcome#DELIVERED} on 2xx,
 * {@link Outcome#PERMANENT} on a 4xx other than 408/429 or a forbidden address (dead-letter now),
 * {@link Outcome#RETRY} otherwise, with the receiver's Retry-After when it gave one.
 */
public record AttemptResult(Outcome outcome, DeliveryAttempt attempt, Optional<Duration> retryAfter) {
  /** What the queue does with the job after this attempt. */
  public enum Outcome { DELIVERED, RETRY, PERMANENT }

  public AttemptResult {
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(attempt, "attempt");
    Objects.requireNonNull(retryAfter, "retryAfter");
  }
}
