package io.kcid.server.store.redis;

import com.google.protobuf.Timestamp;
import io.kcid.core.kcid.DecodedKcid;
import io.kcid.core.kcid.KcidCodec;
import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.proto.tracking.v1.Click;
import io.kcid.server.store.redis.testing.TestRedis;
import io.kcid.server.store.redis.testing.Topology;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/**
 * Redis CPU per stored click (the click-path cost the stats counters add to), for a lean click and
 * one with every detail dimension, at {@code -Dkcid.probe.inflight} inserts in flight (1: one click
 * per script call). Not part of the build (the class name matches no test pattern):
 * {@code ./mvnw -B -o -pl tracking-server -am test -Dtest=ClickInsertCostProbe
 * -Dsurefire.failIfNoSpecifiedTests=false}; compare runs on the same machine, idle if possible.
 */
class ClickInsertCostProbe {
  private static final int CLICKS = Integer.getInteger("kcid.probe.clicks", 100_000);
  /** Inserts in flight: clicks of a partition that arrive while its insert is in flight go as one batch. */
  private static final int IN_FLIGHT = Integer.getInteger("kcid.probe.inflight", 1000);
  private static final KcidCodec CODEC = new KcidCodec(KcidKeyRing.generate(1), 16);

  @Test
  void redisCpuPerClick() {
    Instant now = Instant.now();
    IntFunction<Click> lean = i -> base(now).putSubIds("s1", "pub" + i % 50).build();
    IntFunction<Click> everyDimension = i -> {
      Click.Builder c = base(now).setCreativeId("cr-" + i % 8).setPlacementId("slot-" + i % 12);
      for (int s = 1; s <= 10; s++) {
        c.putSubIds("s" + s, "v" + s + "-" + i % 20);
      }
      return c.build();
    };
    IntFunction<Click> typical = i -> typicalClick(now, i);
    for (int round = 0; round < 2; round++) {
      System.out.printf("probe round %d: Redis CPU µs per click: lean (campaign, s1) %.1f; typical (creative, placement,"
              + " s1, s2) %.1f; every dimension (creative, placement, s1..s10) %.1f%n",
          round, cpuMicrosPerClick(lean), cpuMicrosPerClick(typical), cpuMicrosPerClick(everyDimension));
    }
  }

  /** Click i of a typical rotation: creative, placement and two sub ids in 600 combinations. */
  static Click typicalClick(Instant now, int i) {
    return base(now).setCreativeId("cr-" + i % 8).setPlacementId("slot-" + i % 12)
        .putSubIds("s1", "pub" + i % 50).putSubIds("s2", "site-" + i % 40).build();
  }

  private static Click.Builder base(Instant now) {
    return Click.newBuilder().setAccountId("acct-4f2a9c1e").setCampaignId("spring-sale-2026")
        .setClickTime(Timestamp.newBuilder().setSeconds(now.getEpochSecond()))
        .setExpireTime(Timestamp.newBuilder().setSeconds(now.plus(Duration.ofDays(31)).getEpochSecond()));
  }

  private static double cpuMicrosPerClick(IntFunction<Click> click) {
    try (TestRedis redis = Topology.STANDALONE.start();
        RedisConnector connector = RedisConnector.connect(redis.url(), Duration.ofSeconds(5), 100_000)) {
      RedisClickStore clicks = new RedisClickStore(connector.commands());
      List<DecodedKcid> kcids = new ArrayList<>();
      for (int i = 0; i < CLICKS; i++) {
        kcids.add(CODEC.decode(CODEC.mintRandomPartition(Instant.now())));
      }
      double before = redis.cpuSeconds();
      for (int from = 0; from < CLICKS; from += IN_FLIGHT) {
        List<CompletableFuture<?>> batch = new ArrayList<>();
        for (int i = from; i < Math.min(CLICKS, from + IN_FLIGHT); i++) {
          batch.add(clicks.insert(kcids.get(i), "acct-4f2a9c1e", click.apply(i), Duration.ofDays(31)).toCompletableFuture());
        }
        CompletableFuture.allOf(batch.toArray(CompletableFuture[]::new)).join();
      }
      return (redis.cpuSeconds() - before) * 1e6 / CLICKS;
    }
  }
}
