package io.kcid.server.store;

import java.util.Map;

/**
 * How many jobs a worker takes on per destination in one claim: {@code perDestination} by
 * "&lt;owner&gt;/&lt;destination id&gt;" (the destinations it knows), {@code otherwise} for the others.
 * A worker claims no more of a destination than it can send or hold waiting for a permit, so a
 * busy receiver's backlog stays in the queue instead of being claimed and put back.
 */
public record ClaimBudgets(int otherwise, Map<String, Integer> perDestination) {
  /** Claims nothing (create jobs without taking them). */
  public static final ClaimBudgets NONE = new ClaimBudgets(0, Map.of());

  public ClaimBudgets {
    if (otherwise < 0) {
      throw new IllegalArgumentException("otherwise must be >= 0");
    }
    perDestination = Map.copyOf(perDestination);
  }

  /** The same budget for every destination. */
  public static ClaimBudgets uniform(int budget) {
    return new ClaimBudgets(budget, Map.of());
  }

  /** The budget of one destination. */
  public int of(String destination) {
    return perDestination.getOrDefault(destination, otherwise);
  }

  /** Whether some destination may still be claimed. */
  public boolean any() {
    return otherwise > 0 || perDestination.values().stream().anyMatch(n -> n > 0);
  }

  /** The scripts' form: "&lt;destination&gt;=&lt;n&gt;;…". */
  public String encoded() {
    StringBuilder out = new StringBuilder();
    perDestination.forEach((d, n) -> out.append(d).append('=').append(Math.max(0, n)).append(';'));
    return out.toString();
  }
}
