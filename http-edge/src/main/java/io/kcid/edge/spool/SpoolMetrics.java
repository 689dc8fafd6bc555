package io.kcid.edge.spool;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.Supplier;

/**
 * Metrics of clicks the edge redirected on its own. Labels are closed sets (reason short names and
 * a few fixed causes), never request data.
 */
public final class SpoolMetrics {
  private final MeterRegistry registry;
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
    Counter.builder("kcid.edge.clicks.replay.dropped")
        .description("Spooled clicks the tracking-server refused for good, by reason")
        .tag("reason", reason)
        .register(registry)
        .increment();
  }

  /** A click the edge could not redirect on its own while the tracking-server was away, by cause. */
  public void notSpooled(String cause) {
    Counter.builder("kcid.edge.clicks.unspooled")
        .description("Clicks answered 503 because the edge could not keep them itself, by cause")
        .tag("cause", cause)
        .register(registry)
        .increment();
  }
}
