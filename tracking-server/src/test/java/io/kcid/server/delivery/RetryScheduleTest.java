package io.kcid.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/** Backoff bounds, full jitter, Retry-After and the maximum age, with an injected random source. */
class RetryScheduleTest {
  private static final Instant CREATED = Instant.parse("2026-12-04T00:00:00Z");

  /** A "random" source that always answers the highest value below the bound. */
  private static final RandomGenerator HIGHEST = new RandomGenerator() {
    @Override
    public long nextLong() {
      return Long.MAX_VALUE;
    }

    @Override
    public long nextLong(long bound) {
      return bound - 1;
    }
  };

  /** One that always answers zero. */
  private static final RandomGenerator LOWEST = new RandomGenerator() {
    @Override
    public long nextLong() {
      return 0;
    }

    @Override
    public long nextLong(long bound) {
      return 0;
    }
  };

  @Test
  void theCeilingDoublesFromFiveSecondsUpToAnHour() {
    assertThat(RetrySchedule.ceiling(1)).isEqualTo(Duration.ofSeconds(5));
    assertThat(RetrySchedule.ceiling(2)).isEqualTo(Duration.ofSeconds(10));
    assertThat(RetrySchedule.ceiling(3)).isEqualTo(Duration.ofSeconds(20));
    assertThat(RetrySchedule.ceiling(10)).isEqualTo(Duration.ofSeconds(2560));
    assertThat(RetrySchedule.ceiling(11)).isEqualTo(Duration.ofHours(1));
    assertThat(RetrySchedule.ceiling(1_000)).isEqualTo(Duration.ofHours(1));
    assertThatThrownBy(() -> RetrySchedule.ceiling(0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void fullJitterStaysBetweenZeroAndTheCeilingAndSpreads() {
    RetrySchedule schedule = new RetrySchedule(Duration.ofDays(3), new SplittableRandom(42));
    long distinct = java.util.stream.IntStream.range(0, 200)
        .mapToObj(i -> schedule.delay(4, Optional.empty()))
        .peek(d -> assertThat(d).isBetween(Duration.ZERO, Duration.ofSeconds(40)))
        .distinct().count();
    assertThat(distinct).isGreaterThan(100);
    assertThat(new RetrySchedule(Duration.ofDays(3), HIGHEST).delay(4, Optional.empty()))
        .isEqualTo(Duration.ofSeconds(40));
    assertThat(new RetrySchedule(Duration.ofDays(3), LOWEST).delay(4, Optional.empty())).isZero();
  }

  @Test
  void retryAfterIsALowerBoundCappedAtAnHour() {
    RetrySchedule low = new RetrySchedule(Duration.ofDays(3), LOWEST);
    assertThat(low.delay(1, Optional.of(Duration.ofSeconds(120)))).isEqualTo(Duration.ofSeconds(120));
    assertThat(low.delay(1, Optional.of(Duration.ofHours(5)))).isEqualTo(Duration.ofHours(1));
    RetrySchedule high = new RetrySchedule(Duration.ofDays(3), HIGHEST);
    // The jittered delay (up to 40 s) wins over a shorter Retry-After.
    assertThat(high.delay(4, Optional.of(Duration.ofSeconds(3)))).isEqualTo(Duration.ofSeconds(40));
  }

  @Test
  void aJobPastItsMaximumAgeIsNotScheduledAgain() {
    RetrySchedule schedule = new RetrySchedule(Duration.ofHours(2), HIGHEST);
    Instant early = CREATED.plusSeconds(60);
    assertThat(schedule.nextAttempt(CREATED, early, 1, Optional.empty())).contains(early.plusSeconds(5));
    Instant late = CREATED.plus(Duration.ofMinutes(119));
    assertThat(schedule.nextAttempt(CREATED, late, 12, Optional.empty())).isEmpty();
    assertThat(schedule.expired(CREATED, CREATED.plus(Duration.ofHours(2)))).isFalse();
    assertThat(schedule.expired(CREATED, CREATED.plus(Duration.ofHours(2)).plusMillis(1))).isTrue();
    assertThat(schedule.deadline(CREATED)).isEqualTo(CREATED.plus(Duration.ofHours(2)));
  }
}
