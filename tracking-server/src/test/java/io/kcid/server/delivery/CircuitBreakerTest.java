package io.kcid.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.kcid.proto.tracking.v1.DeliveryAttempt;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Opening after a streak of failures, probing while open, closing on a success. */
class CircuitBreakerTest {
  private static final Instant T0 = Instant.parse("2026-12-04T01:00:00Z");

  private Instant now = T0;
  private final CircuitBreaker breaker = new CircuitBreaker(Duration.ofHours(6), () -> now);

  private void advance(Duration d) {
    now = now.plus(d);
  }

  private static AttemptResult result(AttemptResult.Outcome outcome, int status) {
    return new AttemptResult(outcome, DeliveryAttempt.newBuilder().setStatusCode(status).build(), Optional.empty());
  }

  @Test
  void opensOnlyAfterFailingForTheWholePeriod() {
    assertThat(breaker.record("d", result(AttemptResult.Outcome.RETRY, 503))).isEqualTo(CircuitBreaker.Transition.NONE);
    advance(Duration.ofHours(5));
    assertThat(breaker.record("d", result(AttemptResult.Outcome.RETRY, 500))).isEqualTo(CircuitBreaker.Transition.NONE);
    assertThat(breaker.isOpen("d")).isFalse();
    advance(Duration.ofHours(1));
    assertThat(breaker.record("d", result(AttemptResult.Outcome.RETRY, 503))).isEqualTo(CircuitBreaker.Transition.OPENED);
    assertThat(breaker.isOpen("d")).isTrue();
    assertThat(breaker.reason("d")).contains("failing since 2026-12-04T01:00:00Z: HTTP 503");
    assertThat(breaker.isOpen("other")).isFalse();
  }

  @Test
  void aSuccessInBetweenRestartsTheStreak() {
    breaker.recordFailure("d", "HTTP 500");
    advance(Duration.ofHours(5));
    assertThat(breaker.record("d", result(AttemptResult.Outcome.DELIVERED, 200))).isEqualTo(CircuitBreaker.Transition.NONE);
    advance(Duration.ofHours(2));
    assertThat(breaker.recordFailure("d", "connect failed")).isEqualTo(CircuitBreaker.Transition.NONE);
    assertThat(breaker.isOpen("d")).isFalse();
  }

  @Test
  void whileOpenOneProbeIsAllowedEveryFiveMinutesAndASuccessCloses() {
    breaker.recordFailure("d", "timeout");
    advance(Duration.ofHours(6));
    assertThat(breaker.recordFailure("d", "timeout")).isEqualTo(CircuitBreaker.Transition.OPENED);
    assertThat(breaker.allow("d")).isFalse();
    advance(Duration.ofMinutes(4));
    assertThat(breaker.allow("d")).isFalse();
    advance(Duration.ofMinutes(1));
    assertThat(breaker.allow("d")).isTrue(); // the probe
    assertThat(breaker.allow("d")).isFalse(); // only one
    assertThat(breaker.recordFailure("d", "timeout")).isEqualTo(CircuitBreaker.Transition.NONE);
    advance(Duration.ofMinutes(5));
    assertThat(breaker.allow("d")).isTrue();
    assertThat(breaker.record("d", result(AttemptResult.Outcome.DELIVERED, 204))).isEqualTo(CircuitBreaker.Transition.CLOSED);
    assertThat(breaker.isOpen("d")).isFalse();
    assertThat(breaker.reason("d")).isEmpty();
    assertThat(breaker.allow("d")).isTrue();
    assertThat(breaker.allow("d")).isTrue();
  }

  @Test
  void aRestoredOpenCircuitProbesAtOnceThenWaits() {
    breaker.restoreOpen("d", T0.minus(Duration.ofHours(7)), "HTTP 502");
    assertThat(breaker.reason("d")).contains("failing since 2026-12-03T18:00:00Z: HTTP 502");
    assertThat(breaker.allow("d")).isTrue();
    assertThat(breaker.allow("d")).isFalse();
  }
}
