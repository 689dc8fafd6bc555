package io.kcid.server.config;

import java.time.Duration;

/** The checks several config sections share; each message names the variable and the value. */
final class Settings {
  private Settings() {}

  static void requirePositive(String name, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + "=" + d + ": expected a positive duration");
    }
  }

  static void requireNonNegative(String name, Duration d) {
    if (d == null || d.isNegative()) {
      throw new IllegalArgumentException(name + "=" + d + ": expected zero or more");
    }
  }
}
