package io.kcid.server.delivery;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * When a failed job is tried again: exponential backoff with full jitter (a uniformly random
 * delay between 0 and min(1 h, 5 s × 2^(attempts − 1))), at least the receiver's Retry-After
 * (itself capped at 1 h), and never past the job's maximum age (KCID_DELIVERY_MAX_AGE), after
 * which the job is dead-lettered. Full jitter spreads the retries of many jobs that failed
 * together (a receiver's outage) instead of sending them back in waves.
 */
public final class RetrySchedule {
  public static final Duration BASE = Duration.ofSeconds(5);
  public static final Duration CAP = Duration.ofHours(1);
  private static final int FACTOR = 2;

  private final Duration maxAge;
  private final RandomGenerator random;

  /**
   * @param maxAge how long after its creation a job may still be attempted
   * @param random the jitter's source (a seeded one in tests)
   */
  public RetrySchedule(Duration maxAge, RandomGenerator random) {
    if (maxAge == null || maxAge.isNegative() || maxAge.isZero()) {
      throw new IllegalArgumentException("maxAge must be positive");
    }
    this.maxAge = maxAge;
    this.random = Objects.requireNonNull(random, "random");
  }

  /** The upper bound of the jittered delay after the {@code attempts}-th failed attempt (1-based). */
  public static Duration ceiling(int attempts) {
    if (attempts < 1) {
      throw new IllegalArgumentException("attempts must be >= 1, was " + attempts);
    }
    // 5 s × 2^29 already exceeds the cap: stop doubling before a long overflows.
    int doublings = Math.min(attempts - 1, 30);
    long millis = BASE.toMillis() * ((long) Math.pow(FACTOR, doublings));
    return millis >= CAP.toMillis() ? CAP : Duration.ofMillis(millis);
  }

  /**
   * The delay before the next attempt after the {@code attempts}-th failed one: full jitter under
   * {@link #ceiling}, raised to the receiver's Retry-After when it asked for longer (capped at 1 h).
   */
  public Duration delay(int attempts, Optional<Duration> retryAfter) {
    long ceilingMillis = ceiling(attempts).toMillis();
    Duration jittered = Duration.ofMillis(random.nextLong(ceilingMillis + 1));
    if (retryAfter.isEmpty() || retryAfter.get().isNegative()) {
      return jittered;
    }
    Duration asked = retryAfter.get().compareTo(CAP) > 0 ? CAP : retryAfter.get();
    return asked.compareTo(jittered) > 0 ? asked : jittered;
  }

  /**
   * When to attempt a job created at {@code created} again after its {@code attempts}-th failure
   * at {@code now}, or empty when that would be past its maximum age: dead-letter it.
   */
  public Optional<Instant> nextAttempt(
      Instant created, Instant now, int attempts, Optional<Duration> retryAfter) {
    Instant next = now.plus(delay(attempts, retryAfter));
    return next.isAfter(deadline(created)) ? Optional.empty() : Optional.of(next);
  }

  /** Whether a job created at {@code created} is past its maximum age at {@code now}. */
  public boolean expired(Instant created, Instant now) {
    return now.isAfter(deadline(created));
  }

  /** The last moment a job created at {@code created} may be attempted. */
  public Instant deadline(Instant created) {
    return created.plus(maxAge);
  }
}
