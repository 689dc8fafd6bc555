package io.kcid.server.delivery;

import java.time.Duration;

/** Told about delivery attempts (the metrics); implementations return at once. */
public interface DeliveryListener {
  DeliveryListener NONE = new DeliveryListener() {
    @Override
    public void attempted(AttemptResult.Outcome outcome) {}

    @Override
    public void delivered(Duration sinceEvent) {}
  };

  /** One HTTP attempt ended so. */
  void attempted(AttemptResult.Outcome outcome);

  /** A job was delivered this long after its event was recorded. */
  void delivered(Duration sinceEvent);
}
