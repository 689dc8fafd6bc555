package io.kcid.server.store.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Timestamp;
import io.kcid.proto.tracking.v1.CapPeriod;
import io.kcid.proto.tracking.v1.ConversionCap;
import io.kcid.proto.tracking.v1.ConversionCapChange;
import io.kcid.proto.tracking.v1.Money;
import io.kcid.server.cap.CapRules;
import io.kcid.server.store.CapCounters.Charge;
import io.kcid.server.store.CapCounters.Decision;
import io.kcid.server.store.redis.testing.TestRedis;
import io.kcid.server.store.redis.testing.Topology;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The cap reservation protocol on real Redis, standalone and Cluster: every ordering of settle and
 * release leaves the counter exact, retries share one reservation, concurrent reservations never
 * pass a cap, and a daily cap starts again at midnight in the account's time zone.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(value = Topology.class, names = {"STANDALONE", "CLUSTER"})
class CapCountersTest {
  private static final Duration TTL = Duration.ofMinutes(10);
  private static final AtomicInteger ACCOUNTS = new AtomicInteger();

  @Parameter Topology topology;

  private static TestRedis redis;
  private static RedisConnector connector;
  private static RedisCapCounters counters;
  private static RedisCapStore caps;

  @BeforeParameterizedClassInvocation
  static void start(Topology topology) {
    redis = topology.start();
    connector = RedisConnector.connect(redis.url(), Duration.ofSeconds(5), 10_000);
    counters = new RedisCapCounters(connector.commands());
    caps = new RedisCapStore(connector.commands());
  }

  @AfterParameterizedClassInvocation
  static void stop() {
    connector.close();
    redis.close();
  }

  private static <T> T join(CompletionStage<T> stage) {
    return stage.toCompletableFuture().join();
  }

  private static String account() {
    return "capacct" + ACCOUNTS.incrementAndGet();
  }

  private static long used(String account, String capId, String period) {
    return join(counters.used(account, Map.of(capId, period))).get(capId);
  }

  private static List<Charge> one(long limit) {
    return List.of(new Charge("c", "l", limit, 1));
  }

  @Test
  void retriesShareOneReservationAndSettleOrReleaseInAnyOrderStayExact() {
    String a = account();
    Decision first = join(counters.reserve(a, "click1|goal", one(5), TTL));
    Decision retry = join(counters.reserve(a, "click1|goal", one(5), TTL));
    assertThat(first.over()).isFalse();
    assertThat(retry.token()).isEqualTo(first.token());
    assertThat(used(a, "c", "l")).isEqualTo(1);

    // The retry's release comes before the first's settle: counted again on settle.
    join(counters.release(a, "click1|goal", retry.token()));
    assertThat(used(a, "c", "l")).isZero();
    join(counters.settle(a, "click1|goal", first.token()));
    assertThat(used(a, "c", "l")).isEqualTo(1);
    // Settled: a late release or a second settle change nothing.
    join(counters.release(a, "click1|goal", retry.token()));
    join(counters.settle(a, "click1|goal", first.token()));
    assertThat(used(a, "c", "l")).isEqualTo(1);
    // A reservation of another identity that is released gives its place back.
    Decision other = join(counters.reserve(a, "click2|goal", one(5), TTL));
    assertThat(used(a, "c", "l")).isEqualTo(2);
    join(counters.release(a, "click2|goal", other.token()));
    join(counters.release(a, "click2|goal", other.token()));
    assertThat(used(a, "c", "l")).isEqualTo(1);
    // Released, then reserved again: the same token, counted once.
    Decision again = join(counters.reserve(a, "click2|goal", one(5), TTL));
    assertThat(again.token()).isEqualTo(other.token());
    assertThat(used(a, "c", "l")).isEqualTo(2);
    // Another token (a later reservation after expiry) cannot touch it.
    join(counters.release(a, "click2|goal", "not-the-token"));
    assertThat(used(a, "c", "l")).isEqualTo(2);
  }

  @Test
  void overACapNothingIsCountedAndEveryHoldingCapMustHaveRoom() {
    String a = account();
    List<Charge> both = List.of(new Charge("wide", "l", 10, 1), new Charge("narrow", "l", 1, 1));
    assertThat(join(counters.reserve(a, "k1", both, TTL)).over()).isFalse();
    Decision over = join(counters.reserve(a, "k2", both, TTL));
    assertThat(over.overCapId()).isEqualTo("narrow");
    assertThat(used(a, "wide", "l")).isEqualTo(1);
    assertThat(used(a, "narrow", "l")).isEqualTo(1);
    // The retry of an over-cap conversion is over again, even if room appeared meanwhile.
    join(counters.release(a, "k1", join(counters.reserve(a, "k1", both, TTL)).token()));
    assertThat(join(counters.reserve(a, "k2", both, TTL)).overCapId()).isEqualTo("narrow");
  }

  @Test
  void concurrentReservationsNeverPassTheCap() {
    String a = account();
    List<CompletableFuture<Decision>> all = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      all.add(counters.reserve(a, "click" + i, one(37), TTL).toCompletableFuture());
    }
    long within = all.stream().map(CompletableFuture::join).filter(d -> !d.over()).count();
    assertThat(within).isEqualTo(37);
    assertThat(used(a, "c", "l")).isEqualTo(37);
  }

  @Test
  void aDailyCapStartsAgainAtMidnightInTheAccountsTimeZone() {
    String a = account();
    ZoneId berlin = ZoneId.of("Europe/Berlin");
    ConversionCap cap = ConversionCap.newBuilder().setCapId("day").setGoalKey("sale")
        .setPeriod(CapPeriod.CAP_PERIOD_DAILY).setMaxConversions(2).build();
    // 22:59 UTC is 23:59 in Berlin; 23:01 UTC is already the next day there (but not in UTC).
    Instant lateEvening = Instant.parse("2026-12-04T22:59:00Z");
    Instant afterMidnight = Instant.parse("2026-12-04T23:01:00Z");
    for (int i = 0; i < 3; i++) {
      join(counters.reserve(a, "eve" + i, CapRules.charges(List.of(cap), null, berlin, lateEvening), TTL));
    }
    assertThat(used(a, "day", "d20261204")).isEqualTo(2);
    Decision next = join(counters.reserve(a, "night", CapRules.charges(List.of(cap), null, berlin, afterMidnight), TTL));
    assertThat(next.over()).isFalse();
    assertThat(used(a, "day", "d20261205")).isEqualTo(1);
    // In UTC the same instant is still the 4th, whose cap is full.
    Decision utc = join(counters.reserve(a, "night-utc",
        CapRules.charges(List.of(cap), null, ZoneId.of("UTC"), afterMidnight), TTL));
    assertThat(utc.over()).isTrue();
  }

  @Test
  void aValueCapAddsExactMicroUnitsOfItsCurrencyOnly() {
    String a = account();
    ConversionCap cap = ConversionCap.newBuilder().setCapId("v").setGoalKey("sale").setPeriod(CapPeriod.CAP_PERIOD_LIFETIME)
        .setMaxValue(Money.newBuilder().setAmount("0.3").setCurrencyCode("EUR")).build();
    Instant now = Instant.parse("2026-12-04T12:00:00Z");
    ZoneId utc = ZoneId.of("UTC");
    for (int i = 0; i < 3; i++) {
      Money dime = Money.newBuilder().setAmount("0.1").setCurrencyCode("EUR").build();
      assertThat(join(counters.reserve(a, "d" + i, CapRules.charges(List.of(cap), dime, utc, now), TTL)).over()).isFalse();
    }
    assertThat(used(a, "v", "l")).isEqualTo(300_000);
    Money cent = Money.newBuilder().setAmount("0.000001").setCurrencyCode("EUR").build();
    assertThat(join(counters.reserve(a, "over", CapRules.charges(List.of(cap), cent, utc, now), TTL)).over()).isTrue();
    Money dollars = Money.newBuilder().setAmount("99").setCurrencyCode("USD").build();
    assertThat(join(counters.reserve(a, "usd", CapRules.charges(List.of(cap), dollars, utc, now), TTL)).over()).isFalse();
  }

  @Test
  void aCapChangeIsACompareAndSetWithItsAuditEntry() {
    String a = account();
    ConversionCap v1 = ConversionCap.newBuilder().setCapId("x").setGoalKey("g").setMaxConversions(1)
        .setPeriod(CapPeriod.CAP_PERIOD_DAILY).setEffectiveFrom(Timestamp.newBuilder().setSeconds(1)).build();
    ConversionCap v2 = v1.toBuilder().setMaxConversions(2).build();
    assertThat(join(caps.change(a, ConversionCapChange.newBuilder().setCapId("x").setAfter(v1).build()))).isTrue();
    // A writer that read "no cap" loses to the first: nothing is overwritten, nothing audited.
    assertThat(join(caps.change(a, ConversionCapChange.newBuilder().setCapId("x").setAfter(v2).build()))).isFalse();
    assertThat(join(caps.change(a, ConversionCapChange.newBuilder().setCapId("x").setBefore(v1).setAfter(v2).build())))
        .isTrue();
    assertThat(join(caps.find(a, "x"))).contains(v2);
    join(counters.reserve(a, "k", List.of(new Charge("x", "l", 5, 1)), TTL));
    assertThat(join(caps.change(a, ConversionCapChange.newBuilder().setCapId("x").setBefore(v2).build()))).isTrue();
    assertThat(join(caps.list(a))).isEmpty();
    assertThat(used(a, "x", "l")).isZero();
    assertThat(join(caps.changes(a, 10))).extracting(c -> c.hasAfter() ? c.getAfter().getMaxConversions() : -1L)
        .containsExactly(-1L, 2L, 1L);
  }
}
