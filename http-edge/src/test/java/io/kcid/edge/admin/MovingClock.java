package io.kcid.edge.admin;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;

/** A clock a test moves by hand: session expiry is checked without waiting. */
final class MovingClock extends Clock {
  Instant now = Instant.parse("2026-12-03T12:00:00Z");

  @Override
  public ZoneId getZone() {
    return ZoneId.of("UTC");
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }

  @Override
  public Instant instant() {
    return now;
  }
}
