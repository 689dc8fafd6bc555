package io.kcid.server.store;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * Conversion cap counters of an account and the reservations that fill them: reserve before the
 * record, then settle (the conversion was recorded with the reservation's token) or release (it
 * was refused, or found to be another conversion). Reserving checks every cap and counts in one
 * atomic step, so concurrent conversions never pass a cap; settling and releasing in any order
 * leave the counters equal to the conversions recorded within the caps.
 */
public interface CapCounters {

  /**
   * One cap's share of a conversion.
   *
   * @param period the counter's period field (d20261204, m202612, l)
   * @param limit the cap, in conversions or in micro-units of value
   * @param increment what this conversion adds (1, or its value's micro-units)
   */
  record Charge(String capId, String period, long limit, long increment) {}

  /**
   * The decision for one conversion identity.
   *
   * @param overCapId the cap it is over; empty when it was counted within every cap
   * @param token the reservation's token (the same for every retry of the identity)
   */
  record Decision(String overCapId, String token) {
    public boolean over() {
      return !overCapId.isEmpty();
    }
  }

  /** Counts the conversion {@code identity} under {@code charges}, or finds it over one of them. */
  CompletionStage<Decision> reserve(String accountId, String identity, List<Charge> charges, Duration ttl);

  /** The conversion was recorded with {@code token}: it stays counted. */
  CompletionStage<Void> settle(String accountId, String identity, String token);

  /** The conversion was not recorded under this reservation: its counts are given back. */
  CompletionStage<Void> release(String accountId, String identity, String token);

  /** What each cap has counted in a period: cap id → period field → used. */
  CompletionStage<Map<String, Long>> used(String accountId, Map<String, String> periodByCap);
}
