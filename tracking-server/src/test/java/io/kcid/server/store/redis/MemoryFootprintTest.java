package io.kcid.server.store.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Timestamp;
import io.kcid.core.kcid.DecodedKcid;
import io.kcid.core.kcid.KcidCodec;
import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.proto.tracking.v1.Click;
import io.kcid.proto.tracking.v1.Conversion;
import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.CountingMode;
import io.kcid.proto.tracking.v1.Money;
import io.kcid.server.conversion.StatusTransitions;
import io.kcid.server.store.RecordCommand;
import io.kcid.server.store.redis.testing.TestRedis;
import io.kcid.server.store.redis.testing.Topology;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Memory per stored click and per conversion — a product metric (see docs/DEPLOYMENT.md): realistic
 * records written through the stores, measured as the growth of Redis {@code used_memory} divided
 * by the count. Runs with 20,000 clicks as a budget check; the guide's numbers come from
 * {@code -Dkcid.footprint.clicks=200000}.
 */
class MemoryFootprintTest {
  private static final int CLICKS = Integer.getInteger("kcid.footprint.clicks", 20_000);
  private static final KcidCodec CODEC = new KcidCodec(KcidKeyRing.generate(1), 16);
  /**
   * Budgets over what was measured (Redis 6.2, 20,000 clicks over 16 partitions, stats counters
   * included; the delta is noisy by ~10 % at this size on a busy machine): a lean click 48–50 B, the
   * rich click 83–87 B, its context interned once per partition-hour; ~0.8–1.3 KB per conversion. A
   * regression in the encoding fails here (a click as a key of its own cost ~230 B lean, ~410 B
   * rich; bucketed without interning ~77 and ~217–260). The ≤ 90 B target is ./kcid bench's.
   */
  private static final long LEAN_CLICK_BUDGET_BYTES = 75;
  private static final long RICH_CLICK_BUDGET_BYTES = 130;
  private static final long CONVERSION_BUDGET_BYTES = 2000;
  /**
   * The product target (./kcid bench, issue 17): a click with campaign, s1, creative and placement
   * and the detail-dimension counters it adds (lib_stats.lua) stays ≤ 90 B. Measured (Redis 6.2,
   * 20,000 clicks, 16 partitions, values varied as below): see docs/reports.md.
   */
  private static final long DIMENSIONS_CLICK_BUDGET_BYTES = 90;

  /**
   * The budgets are the bundled Redis 6.2's. Another redis-server (KCID_REDIS_SERVER) is measured
   * and printed, not held to them: Redis 7.0.15 (Debian's) measured a lean click at 64 B standalone
   * and 95 B on a Cluster, against 50 and 55 on 6.2 (docs/DEPLOYMENT.md, "Measured").
   */
  private static void assumeBundledRedis() {
    Assumptions.assumeTrue(LocalRedis.runsBundledBinary(),
        "footprint budgets hold the bundled Redis 6.2; " + LocalRedis.SERVER_VARIABLE + " names another redis-server");
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(value = Topology.class, names = {"STANDALONE", "CLUSTER"})
  void bytesPerLeanClick(Topology topology) {
    try (TestRedis redis = topology.start();
        RedisConnector connector = RedisConnector.connect(redis.url(), Duration.ofSeconds(5), 100_000)) {
      long bytes = clickBytes(redis, connector, leanClick(Instant.now()), mint(CLICKS, Instant.now()));
      System.out.printf("footprint %s: %d lean clicks, %d bytes/click%n", topology, CLICKS, bytes);
      assumeBundledRedis();
      assertThat(bytes).isLessThanOrEqualTo(LEAN_CLICK_BUDGET_BYTES);
    }
  }

  /**
   * What the fraud marks cost: a flagged lean click (2 bytes of flag) whose account has the velocity
   * rule on (5 bytes of network digest), against the same click clean; both within the lean budget.
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(value = Topology.class, names = {"STANDALONE", "CLUSTER"})
  void bytesPerFlaggedClickWithTheVelocityRuleOn(Topology topology) {
    long clean;
    try (TestRedis redis = topology.start();
        RedisConnector connector = RedisConnector.connect(redis.url(), Duration.ofSeconds(5), 100_000)) {
      clean = clickBytes(redis, connector, leanClick(Instant.now()), mint(CLICKS, Instant.now()));
    }
    try (TestRedis redis = topology.start();
        RedisConnector connector = RedisConnector.connect(redis.url(), Duration.ofSeconds(5), 100_000)) {
      Click marked = leanClick(Instant.now()).toBuilder()
          .setFlag(io.kcid.proto.tracking.v1.ClickFlag.CLICK_FLAG_DATACENTER)
          .setSourceNetwork(io.kcid.server.fraud.NetworkDigest.of("203.0.113.7"))
          .build();
      long flagged = clickBytes(redis, connector, marked, mint(CLICKS, Instant.now()));
      System.out.printf("footprint %s: %d lean clicks, %d bytes/click clean, %d flagged with a network digest%n",
          topology, CLICKS, clean, flagged);
      assumeBundledRedis();
      assertThat(flagged).isLessThanOrEqualTo(LEAN_CLICK_BUDGET_BYTES);
      // 7 bytes of record plus listpack rounding and allocator noise: two separate servers are
      // compared, and runs have measured 5 to 16 bytes apart on a Cluster. A full address string
      // or an unpacked field per click would cost well beyond this bound.
      assertThat(flagged - clean).isLessThanOrEqualTo(24);
    }
  }

  @org.junit.jupiter.api.Test
  void bytesPerRichClickWithRoomierListpacks() {
    try (TestRedis redis = Topology.STANDALONE.start();
        RedisConnector connector = RedisConnector.connect(redis.url(), Duration.ofSeconds(5), 100_000)) {
      // What docs/DEPLOYMENT.md recommends for clicks whose own part is long (many sub ids).
      redis.commands().configSet("hash-max-ziplist-value", "256");
      long bytes = clickBytes(redis, connector, click(Instant.now()), mint(CLICKS, Instant.now()));
      System.out.printf("footprint STANDALONE hash-max-ziplist-value 256: %d rich clicks, %d bytes/click%n",
          CLICKS, bytes);
      assumeBundledRedis();
      assertThat(bytes).isLessThan(RICH_CLICK_BUDGET_BYTES);
    }
  }

  /**
   * The counters of every dimension kept: clicks whose campaign, creative, placement and sub id s1
   * vary (s1 over more values than an hour keeps, so "(other)" is in use), measured whole, and the
   * dimension hashes' share by MEMORY USAGE (not by a difference of two servers' used_memory,
   * which allocator noise blurs by 5-16 B).
   */
  @ParameterizedTest(name = "{0}")
  @EnumSource(value = Topology.class, names = {"STANDALONE", "CLUSTER"})
  void bytesPerClickWithDimensionCounters(Topology topology) {
    Instant now = Instant.now();
    IntFunction<Click> varied = i -> leanClick(now).toBuilder()
        .setCampaignId("spring-sale-" + i % 3)
        .setCreativeId("cr-300x250-" + i % 8)
        .setPlacementId("pub-42-slot-" + i % 12)
        .putSubIds("s1", "pub" + i % 300)
        .build();
    long bytes;
    long dimensionBytes;
    try (TestRedis redis = topology.start();
        RedisConnector connector = RedisConnector.connect(redis.url(), Duration.ofSeconds(5), 100_000)) {
      bytes = clickBytes(redis, connector, varied, mint(CLICKS, now));
      dimensionBytes = keysBytes(redis, "dim:") / CLICKS;
    }
    System.out.printf("footprint %s: %d clicks with campaign, s1, creative, placement varied: %d bytes/click,"
        + " of which %d in the dimension hashes%n", topology, CLICKS, bytes, dimensionBytes);
    assumeBundledRedis();
    assertThat(bytes).isLessThanOrEqualTo(DIMENSIONS_CLICK_BUDGET_BYTES);
    // The dimension hashes hold a bounded number of fields per partition-hour whatever the clicks:
    // their share per click is small (and shrinks as clicks grow).
    assertThat(dimensionBytes).isLessThanOrEqualTo(25);
  }

  /** MEMORY USAGE summed over the keys containing {@code part} (every node of a Cluster). */
  private static long keysBytes(TestRedis redis, String part) {
    // On a Cluster, KEYS runs on every primary and MEMORY USAGE on the key's owner (Lettuce routes).
    long total = 0;
    for (String key : redis.commands().keys("*" + part + "*")) {
      Long usage = redis.commands().memoryUsage(key);
      total += usage == null ? 0 : usage;
    }
    return total;
  }

  private static List<DecodedKcid> mint(int count, Instant now) {
    List<DecodedKcid> kcids = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      kcids.add(CODEC.decode(CODEC.mintRandomPartition(now)));
    }
    return kcids;
  }

  private static long clickBytes(TestRedis redis, RedisConnector connector, Click click, List<DecodedKcid> kcids) {
    return clickBytes(redis, connector, i -> click, kcids);
  }

  private static long clickBytes(TestRedis redis, RedisConnector connector, IntFunction<Click> click, List<DecodedKcid> kcids) {
    RedisClickStore clicks = new RedisClickStore(connector.commands());
    return grow(redis, kcids.size(), i -> clicks.insert(kcids.get(i), "acct-4f2a9c1e", click.apply(i), Duration.ofDays(31))
        .thenApply(inserted -> {
          assertThat(inserted).isTrue();
          return inserted;
        }).toCompletableFuture());
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(value = Topology.class, names = {"STANDALONE", "CLUSTER"})
  void bytesPerRichClickAndPerConversion(Topology topology) {
    try (TestRedis redis = topology.start();
        RedisConnector connector = RedisConnector.connect(redis.url(), Duration.ofSeconds(5), 100_000)) {
      RedisConversionStore conversions = new RedisConversionStore(connector.commands(), 1_000_000);
      Instant now = Instant.now();
      List<DecodedKcid> kcids = mint(CLICKS, now);

      long clickBytes = clickBytes(redis, connector, click(now), kcids);
      int converted = CLICKS / 4;
      long conversionBytes = grow(redis, converted,
          i -> conversions.record(conversion(kcids.get(i), "", now)).toCompletableFuture());
      long withRequestIdBytes = grow(redis, converted,
          i -> conversions.record(conversion(kcids.get(converted + i), "idem-" + i + "-8f14e45fceea167a", now))
              .toCompletableFuture());

      System.out.printf("footprint %s: %d rich clicks, %d bytes/click; %d conversions, %d bytes/conversion,"
              + " %d with a request id%n",
          topology, CLICKS, clickBytes, converted, conversionBytes, withRequestIdBytes);
      assumeBundledRedis();
      assertThat(clickBytes).isLessThan(RICH_CLICK_BUDGET_BYTES);
      assertThat(conversionBytes).isLessThan(CONVERSION_BUDGET_BYTES);
      // Per-conversion growth includes the partition streams' and stats hashes' allocations, which
      // arrive in steps: compare each against its budget, not the two against each other.
      assertThat(withRequestIdBytes).isLessThan(CONVERSION_BUDGET_BYTES + 700);
    }
  }

  /** Growth of the memory holding data (TestRedis#storedMemory) per write, over {@code count} writes pipelined 1,000 at a time. */
  private static long grow(TestRedis redis, int count, IntFunction<CompletableFuture<?>> write) {
    long before = redis.storedMemory();
    for (int from = 0; from < count; from += 1000) {
      List<CompletableFuture<?>> batch = new ArrayList<>();
      for (int i = from; i < Math.min(count, from + 1000); i++) {
        batch.add(write.apply(i));
      }
      CompletableFuture.allOf(batch.toArray(CompletableFuture[]::new)).join();
    }
    return (redis.storedMemory() - before) / count;
  }

  /** What an ad server typically mints a kcid for: a campaign and the publisher's sub id. */
  private static Click leanClick(Instant now) {
    return Click.newBuilder()
        .setAccountId("acct-4f2a9c1e")
        .setCampaignId("spring-sale-2026")
        .putSubIds("s1", "pub42")
        .setClickTime(Timestamp.newBuilder().setSeconds(now.getEpochSecond()))
        .setExpireTime(Timestamp.newBuilder().setSeconds(now.plus(Duration.ofDays(31)).getEpochSecond()))
        .build();
  }

  /** A rich click: campaign, creative, placement, three sub ids, a landing page with UTM tags. */
  private static Click click(Instant now) {
    return Click.newBuilder()
        .setAccountId("acct-4f2a9c1e")
        .setCampaignId("spring-sale-2026")
        .setCreativeId("cr-300x250-a")
        .setPlacementId("pub-42-top")
        .putSubIds("s1", "pub42")
        .putSubIds("s2", "site-8812")
        .putSubIds("s3", "zone-7")
        .setDestinationUrl("https://shop.example.com/landing/spring?utm_source=ads&utm_medium=cpc")
        .setClickTime(Timestamp.newBuilder().setSeconds(now.getEpochSecond()))
        .setExpireTime(Timestamp.newBuilder().setSeconds(now.plus(Duration.ofDays(31)).getEpochSecond()))
        .build();
  }

  /** A typical purchase: an order id, a value, counted once per click. */
  private static RecordCommand conversion(DecodedKcid kcid, String requestId, Instant now) {
    String txid = "order-" + kcid.kcid().substring(0, 10);
    Money value = Money.newBuilder().setAmount("49.90").setCurrencyCode("EUR").build();
    Timestamp t = Timestamp.newBuilder().setSeconds(now.getEpochSecond()).build();
    Conversion payload = Conversion.newBuilder().setAccountId("acct-4f2a9c1e").setGoalKey("purchase")
        .setOriginalValue(value).setTransactionId(txid).setEventTime(t).setRecordTime(t).setClickTime(t).build();
    return new RecordCommand(kcid, "acct-4f2a9c1e", "purchase", CountingMode.COUNTING_MODE_ONCE_PER_CLICK,
        txid, requestId, "0123456789abcdef", payload.toByteArray(), value,
        ConversionStatus.CONVERSION_STATUS_UNSPECIFIED, ConversionStatus.CONVERSION_STATUS_APPROVED,
        StatusTransitions.sourcesOf(ConversionStatus.CONVERSION_STATUS_UNSPECIFIED), List.of(), false, now,
        Duration.ofDays(31), Duration.ofDays(31), now, 0);
  }
}
