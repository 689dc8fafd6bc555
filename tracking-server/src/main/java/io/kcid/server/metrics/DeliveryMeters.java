package io.kcid.server.metrics;

import io.kcid.server.delivery.AttemptResult;
import io.kcid.server.delivery.DeliveryListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

/**
 * {@code kcid_delivery_attempts_total{outcome}} (delivered, retry, permanent: every outcome
 * registered at zero) and {@code kcid_delivery_latency_seconds}, from a conversion event's record
 * to its delivery's 2xx answer.
 */
final class DeliveryMeters implements DeliveryListener {
  private final Map<AttemptResult.Outcome, Counter> attempts = new EnumMap<>(AttemptResult.Outcome.class);
  private final Timer latency;

  DeliveryMeters(MeterRegistry registry) {
    for (AttemptResult.Outcome outcome : AttemptResult.Outcome.values()) {
      attempts.put(outcome, Counter.builder("kcid.delivery.attempts")
          .description("Outbound delivery attempts (postbacks and webhooks), by outcome")
          .tag("outcome", ServerMetrics.label(outcome))
          .register(registry));
    }
    latency = Timer.builder("kcid.delivery.latency")
        .description("Time from a conversion event's record to its delivery's 2xx answer")
        .publishPercentileHistogram(false)
        .serviceLevelObjectives(Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
            Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofMinutes(5),
            Duration.ofHours(1))
        .register(registry);
  }

  @Override
  public void attempted(AttemptResult.Outcome outcome) {
    attempts.get(outcome).increment();
  }

  @Override
  public void delivered(Duration sinceEvent) {
    latency.record(sinceEvent.isNegative() ? Duration.ZERO : sinceEvent);
  }
}
