package io.kcid.edge.spool;

import io.kcid.proto.ErrorReasons;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Metrics of clicks the edge redirected on its own. Labels are closed sets (reason short names and
 * a few fixed causes), never request data.
 */
public final class SpoolMetrics {
  /** Why a click could not be redirected by the edge on its own (see {@code DegradedClicks}). */
  static final List<String> UNSPOOLED_CAUSES =
      List.of("unverified", "unknown_account", "no_verifiers", "keys_rejected", "spool_unavailable");

  private final MeterRegistry registry;
  private final Map<String, Counter> dropped = new ConcurrentHashMap<>();
  private final Map<String, Counter> unspooled = new ConcurrentHashMap<>();
  private final Counter spooled;
  private final Counter replayed;

  public SpoolMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.spooled =
        Counter.builder("kcid.edge.clicks.spooled")
            .description("Clicks redirected by the edge on its own and spooled for the tracking-server")
            .register(registry);
    this.replayed =
        Counter.builder("kcid.edge.clicks.replayed")
            .description("Spooled clicks the tracking-server has stored")
            .register(registry);
    // Every series at zero from the start: each reason a replay can be refused for, each cause.
    for (ErrorReason reason : ErrorReason.values()) {
      if (reason != ErrorReason.UNRECOGNIZED && reason != ErrorReason.ERROR_REASON_UNSPECIFIED
          && !ErrorReasons.isRetryable(reason)) {
        droppedCounter(ErrorReasons.shortName(reason));
      }
    }
    UNSPOOLED_CAUSES.forEach(this::unspooledCounter);
  }

  /** Publishes the spool's size. */
  public void spoolBytes(Supplier<Number> bytes) {
    Gauge.builder("kcid.edge.spool.bytes", bytes).description("Bytes held by the click spool").register(registry);
  }

  /** Publishes how many accounts' click secrets the edge holds (0: it cannot verify clicks on its own). */
  public void verifierAccounts(Supplier<Number> accounts) {
    Gauge.builder("kcid.edge.click.verifiers.accounts", accounts)
        .description("Accounts whose click URLs this edge can verify without the tracking-server")
        .register(registry);
  }

  /** Publishes whether a click verifier watch is open (1: changes arrive within about a second). */
  public void verifierWatch(java.util.function.BooleanSupplier watching) {
    Gauge.builder("kcid.edge.click.verifiers.watching", () -> watching.getAsBoolean() ? 1 : 0)
        .description("1 while this edge watches click secret changes; 0: only the full refresh updates them")
        .register(registry);
  }

  public void spooled() {
    spooled.increment();
  }

  public void replayed() {
    replayed.increment();
  }

  /** A spooled click the tracking-server refused for good (already redirected: counted, never silent). */
  public void dropped(String reason) {
    droppedCounter(reason).increment();
  }

  private Counter droppedCounter(String reason) {
    return dropped.computeIfAbsent(reason, r -> Counter.builder("kcid.edge.clicks.replay.dropped")
        .description("Spooled clicks the tracking-server refused for good, by reason")
        .tag("reason", r)
        .register(registry));
  }

  /** A click the edge could not redirect on its own while the tracking-server was away, by cause. */
  public void notSpooled(String cause) {
    unspooledCounter(cause).increment();
  }

  private Counter unspooledCounter(String cause) {
    return unspooled.computeIfAbsent(cause, c -> Counter.builder("kcid.edge.clicks.unspooled")
        .description("Clicks answered 503 because the edge could not keep them itself, by cause")
        .tag("cause", c)
        .register(registry));
  }
}
