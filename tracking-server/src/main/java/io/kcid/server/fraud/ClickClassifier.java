package io.kcid.server.fraud;

import io.kcid.proto.tracking.v1.ClickFlag;
import io.kcid.server.store.BotRangeStore;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Flags a click at issue time: a known crawler's user agent, an address in the operator's bot or
 * data-centre ranges. The ranges are cached and re-checked at most once per TTL (one GET of the
 * lists' version; the lists themselves are read only when it changed), so an operator's change
 * applies within the account cache TTL. A failed check keeps the ranges it had: a click is never
 * refused because the lists could not be read.
 */
public final class ClickClassifier {
  private static final Logger log = LoggerFactory.getLogger(ClickClassifier.class);

  /** Flags nothing (tests and callers that do not filter). */
  public static final ClickClassifier NONE = new ClickClassifier(null, null, Duration.ZERO, System::nanoTime);

  private final CrawlerPatterns crawlers;
  private final BotRangeStore store;
  private final long ttlNanos;
  private final LongSupplier nanoTime;
  private volatile Snapshot snapshot;
  private final AtomicReference<CompletableFuture<Snapshot>> refreshing = new AtomicReference<>();

  /** The ranges as last read, and when their version was last checked. */
  private record Snapshot(long version, IpRanges bots, IpRanges datacenters, long checkedAtNanos) {
    Snapshot checkedAt(long nanos) {
      return new Snapshot(version, bots, datacenters, nanos);
    }
  }

  public ClickClassifier(CrawlerPatterns crawlers, BotRangeStore store, Duration ttl, LongSupplier nanoTime) {
    this.crawlers = crawlers;
    this.store = store;
    this.ttlNanos = ttl.toNanos();
    this.nanoTime = nanoTime;
    this.snapshot = new Snapshot(-1, IpRanges.EMPTY, IpRanges.EMPTY, nanoTime.getAsLong() - ttlNanos - 1);
  }

  /** Why the click looks like no human's, or UNSPECIFIED. */
  public CompletionStage<ClickFlag> classify(String userAgent, String clientIp) {
    if (crawlers == null) {
      return CompletableFuture.completedFuture(ClickFlag.CLICK_FLAG_UNSPECIFIED);
    }
    if (crawlers.matches(userAgent)) {
      return CompletableFuture.completedFuture(ClickFlag.CLICK_FLAG_BOT_USER_AGENT);
    }
    if (clientIp == null || clientIp.isEmpty()) {
      return CompletableFuture.completedFuture(ClickFlag.CLICK_FLAG_UNSPECIFIED);
    }
    return current().thenApply(s -> s.bots().contains(clientIp)
        ? ClickFlag.CLICK_FLAG_BOT_RANGE
        : s.datacenters().contains(clientIp) ? ClickFlag.CLICK_FLAG_DATACENTER : ClickFlag.CLICK_FLAG_UNSPECIFIED);
  }

  /** The ranges, re-checked when older than the TTL; concurrent callers share one check. */
  private CompletionStage<Snapshot> current() {
    Snapshot known = snapshot;
    if (nanoTime.getAsLong() - known.checkedAtNanos() < ttlNanos) {
      return CompletableFuture.completedFuture(known);
    }
    CompletableFuture<Snapshot> mine = new CompletableFuture<>();
    CompletableFuture<Snapshot> running = refreshing.compareAndExchange(null, mine);
    if (running != null) {
      return running;
    }
    CompletionStage<Snapshot> next;
    try {
      next = store.version().thenCompose(v -> v == known.version()
          ? CompletableFuture.completedFuture(known.checkedAt(nanoTime.getAsLong()))
          : load(v));
    } catch (RuntimeException e) {
      next = CompletableFuture.failedFuture(e);
    }
    next.whenComplete((fresh, failure) -> {
      Snapshot result = fresh;
      if (failure != null) {
        log.warn("could not read the operator's bot ranges; keeping the {} known ({})",
            known.bots().size() + known.datacenters().size(), failure.toString());
        result = known.checkedAt(nanoTime.getAsLong());
      }
      snapshot = result;
      refreshing.set(null);
      mine.complete(result);
    });
    return mine;
  }

  private CompletionStage<Snapshot> load(long version) {
    CompletableFuture<Set<String>> bots = store.list(BotRangeKinds.BOT).toCompletableFuture();
    CompletableFuture<Set<String>> datacenters = store.list(BotRangeKinds.DATACENTER).toCompletableFuture();
    return bots.thenCombine(datacenters, (b, d) -> new Snapshot(
        version, IpRanges.of(valid(b)), IpRanges.of(valid(d)), nanoTime.getAsLong()));
  }

  /** What the store holds was canonical when loaded; anything else is skipped, not fatal. */
  private static Set<String> valid(Set<String> cidrs) {
    Set<String> out = new TreeSet<>();
    for (String c : cidrs) {
      try {
        out.add(IpRanges.canonical(c));
      } catch (IllegalArgumentException e) {
        log.warn("skipping a stored bot range that is not a CIDR range");
      }
    }
    return out;
  }
}
