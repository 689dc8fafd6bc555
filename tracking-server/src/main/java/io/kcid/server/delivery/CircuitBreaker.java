package io.kcid.server.delivery;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Per-destination circuit breaker (policy only; the delivery loop persists transitions through
 * {@link DestinationDirectory#markCircuit}). A destination that has had only failures and no
 * success for {@code openAfter} opens: its jobs wait instead of hammering a dead receiver, one
 * probe attempt is let through every {@link #PROBE_INTERVAL}, and the first success closes it.
 * Thread-safe; keyed by a caller-chosen destination key (owner and destination id).
 */
public final class CircuitBreaker {
  public static final Duration PROBE_INTERVAL = Duration.ofMinutes(5);

  /** What an attempt's result did to the circuit, for the caller to persist and show. */
  public enum Transition { NONE, OPENED, CLOSED }

  private static final class State {
    Instant failingSince; // first failure after the last success; null when the last attempt succeeded
    String lastError = "";
    boolean open;
    Instant lastProbe;
  }

  private final Duration openAfter;
  private final InstantSource clock;
  private final ConcurrentMap<String, State> states = new ConcurrentHashMap<>();

  /**
   * @param openAfter KCID_DELIVERY_CIRCUIT_OPEN_AFTER
   * @param clock the time source (a Clock; a lambda the test moves in tests)
   */
  public CircuitBreaker(Duration openAfter, InstantSource clock) {
    if (openAfter == null || openAfter.isNegative() || openAfter.isZero()) {
      throw new IllegalArgumentException("openAfter must be positive");
    }
    this.openAfter = openAfter;
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * Whether a job of this destination may be attempted now: always while closed; while open, one
   * probe per {@link #PROBE_INTERVAL} (this call takes the probe slot when it answers true).
   */
  public boolean allow(String key) {
    State s = states.get(key);
    if (s == null) {
      return true;
    }
    synchronized (s) {
      if (!s.open) {
        return true;
      }
      Instant now = clock.instant();
      if (s.lastProbe == null || !now.isBefore(s.lastProbe.plus(PROBE_INTERVAL))) {
        s.lastProbe = now;
        return true;
      }
      return false;
    }
  }

  /** Records one attempt's result; DELIVERED counts as a success, RETRY and PERMANENT as failures. */
  public Transition record(String key, AttemptResult result) {
    if (result.outcome() == AttemptResult.Outcome.DELIVERED) {
      return recordSuccess(key);
    }
    return recordFailure(key, describe(result));
  }

  /** Records a success: the failure streak ends and an open circuit closes. */
  public Transition recordSuccess(String key) {
    State s = states.get(key);
    if (s == null) {
      return Transition.NONE;
    }
    synchronized (s) {
      boolean wasOpen = s.open;
      s.failingSince = null;
      s.lastError = "";
      s.open = false;
      s.lastProbe = null;
      return wasOpen ? Transition.CLOSED : Transition.NONE;
    }
  }

  /** Records a failure ({@code error} e.g. "HTTP 503"); opens once the streak is long enough. */
  public Transition recordFailure(String key, String error) {
    State s = states.computeIfAbsent(key, k -> new State());
    synchronized (s) {
      Instant now = clock.instant();
      if (s.failingSince == null) {
        s.failingSince = now;
      }
      s.lastError = error == null ? "" : error;
      if (!s.open && !now.isBefore(s.failingSince.plus(openAfter))) {
        s.open = true;
        s.lastProbe = now; // the attempt that opened it was the last probe
        return Transition.OPENED;
      }
      return Transition.NONE;
    }
  }

  /**
   * Restores an open circuit read back from the store (Destination.circuit_open), e.g. after a
   * restart, so that this process does not resume full traffic to a receiver known to be failing.
   */
  public void restoreOpen(String key, Instant failingSince, String error) {
    State s = states.computeIfAbsent(key, k -> new State());
    synchronized (s) {
      s.open = true;
      s.failingSince = Objects.requireNonNull(failingSince, "failingSince");
      s.lastError = error == null ? "" : error;
    }
  }

  /** Whether the destination's circuit is open. */
  public boolean isOpen(String key) {
    State s = states.get(key);
    if (s == null) {
      return false;
    }
    synchronized (s) {
      return s.open;
    }
  }

  /**
   * Why the circuit is open, e.g. {@code failing since 2026-12-04T01:00:00Z: HTTP 503}; empty while
   * closed.
   */
  public Optional<String> reason(String key) {
    State s = states.get(key);
    if (s == null) {
      return Optional.empty();
    }
    synchronized (s) {
      if (!s.open) {
        return Optional.empty();
      }
      return Optional.of(
          "failing since " + s.failingSince + (s.lastError.isEmpty() ? "" : ": " + s.lastError));
    }
  }

  /** Forgets a destination (deleted). */
  public void forget(String key) {
    states.remove(key);
  }

  /** The short failure text of an attempt: its error, else its HTTP status. */
  static String describe(AttemptResult result) {
    String error = result.attempt().getError();
    if (!error.isEmpty()) {
      return error;
    }
    return result.attempt().getStatusCode() > 0 ? "HTTP " + result.attempt().getStatusCode() : "failed";
  }
}
