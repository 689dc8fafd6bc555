package io.kcid.edge.config;

import io.kcid.edge.net.Cidr;
import java.util.List;
import java.util.Objects;

/**
 * Limits against abuse of the edge's unauthenticated doors, validated at start-up. Per edge instance
 * and per client address (the TCP peer, or what a trusted proxy's {@code X-Forwarded-For} says).
 *
 * @param clickRatePerSecond click redirects ({@code /c}) per second per client address; 0 = unlimited
 * @param clickBurst clicks an address may send at once before the rate applies
 * @param clickExempt IP addresses or CIDR blocks never click-limited (ad servers that redirect
 *     server-side, a trusted monitoring prober)
 * @param loginFailuresPerMinute failed admin sign-ins ({@code /admin/}: a wrong key in the login
 *     form or a wrong {@code Authorization: Bearer}) per minute per client address; three times as
 *     many per key prefix; 0 = unlimited
 */
public record AbuseLimits(double clickRatePerSecond, int clickBurst, List<String> clickExempt, int loginFailuresPerMinute) {
  /** 20 clicks/s per address, bursts of 100, nobody exempt; 10 failed sign-ins per minute per address. */
  public static AbuseLimits defaults() {
    return new AbuseLimits(20, 100, List.of(), 10);
  }

  /** No limits: for tests and embedding (the {@code edge} command uses {@link #defaults()}). */
  public static AbuseLimits off() {
    return new AbuseLimits(0, 100, List.of(), 0);
  }

  public AbuseLimits {
    require(clickRatePerSecond >= 0 && clickRatePerSecond <= 1_000_000 && !Double.isNaN(clickRatePerSecond),
        "KCID_EDGE_CLICK_LIMIT_RATE must be between 0 (unlimited) and 1000000 clicks per second, got " + clickRatePerSecond);
    require(clickBurst >= 1 && clickBurst <= 1_000_000,
        "KCID_EDGE_CLICK_LIMIT_BURST must be between 1 and 1000000 clicks, got " + clickBurst);
    Objects.requireNonNull(clickExempt, "click limit exemptions must be set (an empty list exempts nobody)");
    clickExempt = List.copyOf(clickExempt);
    for (String block : clickExempt) {
      try {
        Cidr.parse(block);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "KCID_EDGE_CLICK_LIMIT_EXEMPT must list IP addresses or CIDR blocks such as 203.0.113.0/24 or 2001:db8::/32, got '"
                + block + "'", e);
      }
    }
    require(loginFailuresPerMinute >= 0 && loginFailuresPerMinute <= 10_000,
        "KCID_EDGE_LOGIN_LIMIT must be between 0 (unlimited) and 10000 failed sign-ins per minute, got " + loginFailuresPerMinute);
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException(message);
    }
  }
}
