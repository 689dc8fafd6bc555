package io.kcid.server.fx;

import static org.assertj.core.api.Assertions.assertThat;

import io.kcid.proto.tracking.v1.LoadExchangeRatesRequest;
import io.kcid.server.store.ExchangeRateStore;
import io.kcid.server.store.redis.RedisConnector;
import io.kcid.server.store.redis.RedisExchangeRateStore;
import io.kcid.server.store.redis.testing.TestRedis;
import io.kcid.server.store.redis.testing.Topology;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The rate table on real Redis, standalone and Cluster, as two servers see it: the one that loads
 * uses the new rates at once; another uses its cached days until its next look at the table's
 * version (a controlled clock: no sleeping), then the new ones.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(value = Topology.class, names = {"STANDALONE", "CLUSTER"})
class ExchangeRatesTest {
  private static final Duration POLL = Duration.ofSeconds(10);

  @Parameter Topology topology;

  private static TestRedis redis;
  private static RedisConnector connector;

  @BeforeParameterizedClassInvocation
  static void start(Topology topology) {
    redis = topology.start();
    connector = RedisConnector.connect(redis.url(), Duration.ofSeconds(2), 1000);
  }

  @AfterParameterizedClassInvocation
  static void stop() {
    connector.close();
    redis.close();
  }

  private static Optional<ExchangeRates.Rate> rate(ExchangeRates rates, String from, String to, LocalDate day) throws Exception {
    return rates.rate(from, to, day).toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  void anotherServerSeesNewRatesAtItsNextVersionCheckAndTheLoaderAtOnce() throws Exception {
    AtomicLong loaderClock = new AtomicLong();
    AtomicLong otherClock = new AtomicLong();
    var loader = new ExchangeRates(new RedisExchangeRateStore(connector.commands()), POLL, loaderClock::get);
    var other = new ExchangeRates(new RedisExchangeRateStore(connector.commands()), POLL, otherClock::get);
    LocalDate day = LocalDate.of(2011, 3, 15);
    var admin = new FxAdmin(loader);

    assertThat(rate(other, "MXN", "EUR", day)).isEmpty();
    assertThat(rate(loader, "MXN", "EUR", day)).isEmpty();
    admin.load(LoadExchangeRatesRequest.newBuilder().addLines("Date,MXN,BRL").addLines(day + ",16.5,2.3").build())
        .toCompletableFuture().get(30, TimeUnit.SECONDS);

    assertThat(rate(loader, "MXN", "BRL", day)).map(ExchangeRates.Rate::rate)
        .contains(new BigDecimal("2.3").divide(new BigDecimal("16.5"), ExchangeRates.MATH).stripTrailingZeros());
    // Within its poll interval the other server still answers from its cache: the day had no rate.
    otherClock.addAndGet(POLL.toNanos() - 1);
    assertThat(rate(other, "MXN", "EUR", day)).isEmpty();
    otherClock.addAndGet(2);
    assertThat(rate(other, "MXN", "EUR", day)).map(r -> r.rate().toPlainString() + " " + r.date())
        .contains(new BigDecimal(1).divide(new BigDecimal("16.5"), ExchangeRates.MATH).stripTrailingZeros().toPlainString()
            + " " + day);
  }

  @Test
  void theLookBackTakesTheLatestDayWithBothCurrenciesAndStopsAfterSevenDays() throws Exception {
    var rates = new ExchangeRates(new RedisExchangeRateStore(connector.commands()), Duration.ZERO, System::nanoTime);
    LocalDate friday = LocalDate.of(2012, 4, 6);
    new FxAdmin(rates).load(LoadExchangeRatesRequest.newBuilder()
            .addLines("Date,THB,PHP").addLines(friday.minusDays(1) + ",40,55").addLines(friday + ",41,N/A").build())
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
    // Easter Monday: no rates since Friday; Friday lacks PHP, so Thursday is the day with both.
    LocalDate monday = friday.plusDays(3);
    assertThat(rate(rates, "THB", "EUR", monday)).map(ExchangeRates.Rate::date).contains(friday);
    assertThat(rate(rates, "THB", "PHP", monday)).map(r -> r.rate().toPlainString() + " " + r.date())
        .contains("1.375 " + friday.minusDays(1));
    assertThat(rate(rates, "THB", "EUR", friday.plusDays(7))).map(ExchangeRates.Rate::date).contains(friday);
    assertThat(rate(rates, "THB", "EUR", friday.plusDays(8))).isEmpty();
    assertThat(rate(rates, "THB", "THB", friday.plusDays(100))).map(r -> r.rate()).contains(BigDecimal.ONE);
  }

  /** The Redis table, counting its day reads and failing the first {@code failures} of them. */
  private static final class CountingStore implements ExchangeRateStore {
    final ExchangeRateStore redis = new RedisExchangeRateStore(connector.commands());
    final Map<LocalDate, AtomicInteger> reads = new ConcurrentHashMap<>();
    final AtomicInteger failures;

    CountingStore(int failures) {
      this.failures = new AtomicInteger(failures);
    }

    @Override
    public CompletionStage<Void> put(SortedMap<LocalDate, Map<String, String>> days) {
      return redis.put(days);
    }

    @Override
    public CompletionStage<Map<String, String>> day(LocalDate date) {
      reads.computeIfAbsent(date, d -> new AtomicInteger()).incrementAndGet();
      return failures.getAndDecrement() > 0
          ? CompletableFuture.failedFuture(new IllegalStateException("Redis is away"))
          : redis.day(date);
    }

    @Override
    public CompletionStage<List<LocalDate>> daysBefore(LocalDate onOrBefore, int limit) {
      return redis.daysBefore(onOrBefore, limit);
    }

    @Override
    public CompletionStage<Long> dayCount() {
      return redis.dayCount();
    }

    @Override
    public CompletionStage<Long> version() {
      return redis.version();
    }
  }

  @Test
  void concurrentMissesOfADayShareOneReadAndAFailedReadIsNotKept() throws Exception {
    LocalDate day = LocalDate.of(2013, 5, 14);
    new FxAdmin(new ExchangeRates(new RedisExchangeRateStore(connector.commands()), POLL, System::nanoTime))
        .load(LoadExchangeRatesRequest.newBuilder().addLines("Date,SEK").addLines(day + ",8.6").build())
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
    CountingStore store = new CountingStore(0);
    var rates = new ExchangeRates(store, POLL, () -> 0L);

    List<CompletableFuture<Optional<ExchangeRates.Rate>>> asked = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      asked.add(rates.rate("SEK", "EUR", day).toCompletableFuture());
    }
    for (var answer : asked) {
      assertThat(answer.get(30, TimeUnit.SECONDS)).map(ExchangeRates.Rate::date).contains(day);
    }
    assertThat(store.reads).hasSize(ExchangeRates.LOOK_BACK_DAYS + 1)
        .allSatisfy((date, reads) -> assertThat(reads.get()).as(date.toString()).isEqualTo(1));

    CountingStore failing = new CountingStore(ExchangeRates.LOOK_BACK_DAYS + 1);
    var afterFailure = new ExchangeRates(failing, POLL, () -> 0L);
    assertThat(afterFailure.rate("SEK", "EUR", day).toCompletableFuture())
        .failsWithin(30, TimeUnit.SECONDS);
    assertThat(rate(afterFailure, "SEK", "EUR", day)).map(ExchangeRates.Rate::date).contains(day);
    assertThat(failing.reads.get(day).get()).isEqualTo(2);
  }
}
