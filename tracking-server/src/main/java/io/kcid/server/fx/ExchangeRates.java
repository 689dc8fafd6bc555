package io.kcid.server.fx;

import io.kcid.server.store.ExchangeRateStore;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Currency;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The rate of a day, from the operator's table of ECB reference rates (units per EUR).
 *
 * <p>The rate of a conversion's day is the rate published for that day or, since ECB publishes
 * none on weekends and TARGET holidays, for the latest day before it with both currencies, at most
 * {@link #LOOK_BACK_DAYS} days back. Further back is no rate (a missing rate, never a guess).
 * Cross rates go through EUR: {@code perEur(to) / perEur(from)}, divided exactly to 34 significant
 * digits ({@link MathContext#DECIMAL128}, half-even); amounts are rounded once, at the end, to the
 * target currency's minor units ({@link #round}).
 *
 * <p>Days are cached in memory (concurrent misses of one day share one read); the cache is dropped
 * whenever the table's version changes, which is
 * looked at most every {@code poll} (and at once on this server after a load), so a rate loaded on
 * another server is used within that time.
 */
public final class ExchangeRates {
  /** How far back a day's rate may come from. */
  public static final int LOOK_BACK_DAYS = 7;
  /** Precision of cross rates and of unrounded sums. */
  public static final MathContext MATH = MathContext.DECIMAL128;
  /** Days kept in memory at most (a history report may ask for hundreds). */
  static final int MAX_CACHED_DAYS = 4096;

  private final ExchangeRateStore store;
  private final long pollNanos;
  private final LongSupplier nanoTime;
  /** Each day's rates, or its read in flight: concurrent misses of one day share one read. */
  private final Map<LocalDate, CompletableFuture<Map<String, BigDecimal>>> days = new ConcurrentHashMap<>();
  private volatile long checkedAt;
  private volatile long version = -1;
  private volatile CompletableFuture<Void> checking;

  /** A rate and the day it was published for. */
  public record Rate(BigDecimal rate, LocalDate date) {}

  public ExchangeRates(ExchangeRateStore store, Duration poll, LongSupplier nanoTime) {
    this.store = store;
    this.pollNanos = poll.toNanos();
    this.nanoTime = nanoTime;
    this.checkedAt = nanoTime.getAsLong() - pollNanos - 1;
  }

  public ExchangeRateStore store() {
    return store;
  }

  /**
   * Units of {@code to} per unit of {@code from} on {@code day} (or the latest day before it within
   * the look-back); empty when the table has no such rate. The same currency is rate 1 on any day.
   */
  public CompletionStage<Optional<Rate>> rate(String from, String to, LocalDate day) {
    if (from.equals(to)) {
      return CompletableFuture.completedFuture(Optional.of(new Rate(BigDecimal.ONE, day)));
    }
    return fresh().thenCompose(x -> {
      List<CompletableFuture<Map<String, BigDecimal>>> reads = new ArrayList<>();
      for (int back = 0; back <= LOOK_BACK_DAYS; back++) {
        reads.add(day(day.minusDays(back)));
      }
      return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).thenApply(y -> {
        for (int back = 0; back <= LOOK_BACK_DAYS; back++) {
          Optional<BigDecimal> rate = cross(reads.get(back).join(), from, to);
          if (rate.isPresent()) {
            return Optional.of(new Rate(rate.get(), day.minusDays(back)));
          }
        }
        return Optional.<Rate>empty();
      });
    });
  }

  /** Forgets every cached day: called after this server loaded rates. */
  public void invalidate() {
    days.clear();
    checkedAt = nanoTime.getAsLong() - pollNanos - 1;
  }

  /** {@code perEur(to) / perEur(from)} of one day's table; empty when either is missing. */
  static Optional<BigDecimal> cross(Map<String, BigDecimal> perEur, String from, String to) {
    BigDecimal f = from.equals("EUR") ? BigDecimal.ONE : perEur.get(from);
    BigDecimal t = to.equals("EUR") ? BigDecimal.ONE : perEur.get(to);
    if (f == null || t == null || perEur.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(t.divide(f, MATH).stripTrailingZeros());
  }

  /** An amount in {@code currency}'s minor units (2 when the currency has none defined), half-even. */
  public static BigDecimal round(BigDecimal amount, String currency) {
    return amount.setScale(minorUnits(currency), RoundingMode.HALF_EVEN);
  }

  static int minorUnits(String currency) {
    try {
      int digits = Currency.getInstance(currency).getDefaultFractionDigits();
      return digits < 0 ? 2 : digits;
    } catch (IllegalArgumentException e) {
      return 2;
    }
  }

  /** A rate as stored and shown: a plain decimal string ("0.9222", "157.12"). */
  public static String text(BigDecimal rate) {
    return rate.stripTrailingZeros().toPlainString();
  }

  private CompletableFuture<Map<String, BigDecimal>> day(LocalDate date) {
    CompletableFuture<Map<String, BigDecimal>> cached = days.get(date);
    if (cached != null) {
      return cached;
    }
    if (days.size() >= MAX_CACHED_DAYS) {
      days.clear();
    }
    CompletableFuture<Map<String, BigDecimal>> read = new CompletableFuture<>();
    CompletableFuture<Map<String, BigDecimal>> first = days.putIfAbsent(date, read);
    if (first != null) {
      return first;
    }
    CompletionStage<Map<String, String>> stored;
    try {
      stored = store.day(date);
    } catch (RuntimeException e) {
      stored = CompletableFuture.failedFuture(e);
    }
    stored.thenApply(ExchangeRates::parsed).whenComplete((rates, failure) -> {
      if (failure != null) {
        days.remove(date, read); // a failed read is not cached: the next caller reads again
        read.completeExceptionally(failure);
      } else {
        read.complete(rates);
      }
    });
    return read;
  }

  private static Map<String, BigDecimal> parsed(Map<String, String> stored) {
    Map<String, BigDecimal> rates = new HashMap<>();
    stored.forEach((currency, rate) -> {
      try {
        rates.put(currency, new BigDecimal(rate));
      } catch (NumberFormatException e) {
        // Written by this code only; a foreign value is no rate rather than a failure.
      }
    });
    return Collections.unmodifiableMap(rates);
  }

  /** Drops the cache when the table changed since it was filled; looks at most once per poll. */
  private CompletableFuture<Void> fresh() {
    long now = nanoTime.getAsLong();
    if (now - checkedAt <= pollNanos) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> running = checking;
    if (running != null && !running.isDone()) {
      return running;
    }
    CompletableFuture<Void> check = store.version().toCompletableFuture().thenAccept(v -> {
      if (v != version) {
        days.clear();
        version = v;
      }
      checkedAt = now;
    });
    checking = check;
    return check;
  }
}
