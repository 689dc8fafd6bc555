package io.kcid.server.store.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Timestamp;
import io.kcid.core.kcid.DecodedKcid;
import io.kcid.core.kcid.KcidCodec;
import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.proto.tracking.v1.Click;
import io.kcid.proto.tracking.v1.ClickFlag;
import io.kcid.server.store.ClickStore.PreMintedInsert;
import io.kcid.server.store.StoredClick;
import io.kcid.server.store.redis.testing.TestRedis;
import io.kcid.server.store.redis.testing.Topology;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Clicks inserted concurrently into one partition go to Redis in batches (insert_clicks.lua): on
 * real Redis, every click of a batch is stored and counted exactly as if it had gone alone — the
 * counters a batch adds to once, the 100-value bound of a dimension, a kcid taken inside the same
 * batch, flagged clicks beside plain ones.
 */
class ClickBatchesTest {
  private static final KcidCodec ONE_PARTITION = new KcidCodec(KcidKeyRing.generate(1), 1);
  private static final Duration LIFETIME = Duration.ofDays(31);
  private static final String US = "\u001f";

  private static Click.Builder click(Instant at) {
    return Click.newBuilder().setAccountId("acme").setCampaignId("spring")
        .setClickTime(Timestamp.newBuilder().setSeconds(at.getEpochSecond()))
        .setExpireTime(Timestamp.newBuilder().setSeconds(at.plus(LIFETIME).getEpochSecond()));
  }

  /** All inserts started before any is awaited, so that they queue behind each other's calls. */
  private static <T> List<T> concurrently(int count, IntFunction<CompletionStage<T>> insert) {
    List<CompletableFuture<T>> started = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      started.add(insert.apply(i).toCompletableFuture());
    }
    return started.stream().map(CompletableFuture::join).toList();
  }

  private static Map<String, String> hash(TestRedis redis, byte[] key) {
    return redis.commands().hgetall(new String(key, StandardCharsets.UTF_8));
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(value = Topology.class, names = {"STANDALONE", "CLUSTER"})
  void aBatchCountsEveryClickExactlyAndBoundsEveryDimension(Topology topology) {
    try (TestRedis redis = topology.start();
        RedisConnector connector = RedisConnector.connect(redis.url(), Duration.ofSeconds(5), 100_000)) {
      RedisClickStore clicks = new RedisClickStore(connector.commands());
      Instant at = Instant.now();
      int n = 600;
      List<DecodedKcid> kcids = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        kcids.add(ONE_PARTITION.mintDecoded(at, 0));
      }
      // Every click has placement "top"; s3 takes 150 values (past the bound of 100); one in ten is
      // flagged; s1 takes 3 values.
      IntFunction<Click> clickOf = i -> click(at).setPlacementId("top").putSubIds("s1", "pub" + i % 3)
          .putSubIds("s3", "r" + i % 150)
          .setFlag(i % 10 == 0 ? ClickFlag.CLICK_FLAG_BOT_USER_AGENT : ClickFlag.CLICK_FLAG_UNSPECIFIED).build();

      assertThat(concurrently(n, i -> clicks.insert(kcids.get(i), "acme", clickOf.apply(i), LIFETIME)))
          .containsOnly(true);

      Instant hour = StatsFormat.hourOf(at);
      Map<String, String> stats = hash(redis, RedisKeys.stats(0, "acme", hour));
      for (int s = 0; s < 3; s++) {
        int pub = s;
        long plain = java.util.stream.IntStream.range(0, n).filter(i -> i % 3 == pub && i % 10 != 0).count();
        long flagged = java.util.stream.IntStream.range(0, n).filter(i -> i % 3 == pub && i % 10 == 0).count();
        assertThat(stats).containsEntry("k" + US + "spring" + US + "pub" + s, Long.toString(plain))
            .containsEntry("f" + US + "spring" + US + "pub" + s, Long.toString(flagged));
      }
      Map<String, String> dims = hash(redis, RedisKeys.dimensions(0, "acme", hour));
      assertThat(dims).containsEntry("k" + US + "spring" + US + "ptop", Long.toString(n - n / 10))
          .containsEntry("f" + US + "spring" + US + "ptop", Long.toString(n / 10));
      long namedClicks = dims.entrySet().stream().filter(e -> e.getKey().matches("[kf]" + US + "spring" + US + "3r\\d+"))
          .mapToLong(e -> Long.parseLong(e.getValue())).sum();
      long otherClicks = dims.entrySet().stream().filter(e -> e.getKey().endsWith(US + "3(other)"))
          .mapToLong(e -> Long.parseLong(e.getValue())).sum();
      // 100 (campaign, value) pairs are named; a value's plain and flagged clicks share its name.
      assertThat(dims.keySet().stream().filter(f -> f.matches("[kf]" + US + "spring" + US + "3r\\d+"))
          .map(f -> f.substring(2)).distinct().count()).isEqualTo(100);
      assertThat(namedClicks + otherClicks).isEqualTo(n);
      assertThat(otherClicks).isEqualTo(n - 100 * (n / 150));

      for (int i = 0; i < n; i += 37) {
        StoredClick stored = clicks.find(kcids.get(i)).toCompletableFuture().join().orElseThrow();
        assertThat(stored.click().getSubIdsMap()).containsEntry("s3", "r" + i % 150);
        assertThat(stored.click().getFlag()).isEqualTo(clickOf.apply(i).getFlag());
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(value = Topology.class, names = {"STANDALONE", "CLUSTER"})
  void aKcidTakenInsideTheSameBatchIsStoredOnceAndCountedOnce(Topology topology) {
    try (TestRedis redis = topology.start();
        RedisConnector connector = RedisConnector.connect(redis.url(), Duration.ofSeconds(5), 100_000)) {
      RedisClickStore clicks = new RedisClickStore(connector.commands());
      Instant at = Instant.now();
      DecodedKcid taken = ONE_PARTITION.mintDecoded(at, 0);
      Click first = click(at).setKcid(taken.kcid()).putSubIds("s1", "a").build();
      Click other = click(at).setKcid(taken.kcid()).putSubIds("s1", "b").build();
      List<DecodedKcid> fillers = new ArrayList<>();
      for (int i = 0; i < 41; i++) {
        fillers.add(ONE_PARTITION.mintDecoded(at, 0));
      }

      List<Object> outcomes = concurrently(45, i -> switch (i) {
        // The first call goes alone; the next ones queue behind it and go out as one batch.
        case 1, 2 -> clicks.insertPreMinted(taken, "acme", first, LIFETIME).thenApply(o -> (Object) o);
        case 3 -> clicks.insertPreMinted(taken, "acme", other, LIFETIME).thenApply(o -> (Object) o);
        case 4 -> clicks.insert(taken, "acme", other, LIFETIME).thenApply(o -> (Object) o);
        default -> clicks.insert(fillers.get(i == 0 ? 0 : i - 4), "acme", click(at).putSubIds("s1", "a").build(),
            LIFETIME).thenApply(o -> (Object) o);
      });

      assertThat(outcomes.subList(1, 5)).containsExactly(
          PreMintedInsert.INSERTED, PreMintedInsert.ALREADY_STORED, PreMintedInsert.CONFLICT, false);
      assertThat(outcomes.get(0)).isEqualTo(true);
      assertThat(outcomes.subList(5, 45)).containsOnly(true);
      assertThat(hash(redis, RedisKeys.stats(0, "acme", StatsFormat.hourOf(at))))
          .containsEntry("k" + US + "spring" + US + "a", "42")
          .doesNotContainKey("k" + US + "spring" + US + "b");
      assertThat(clicks.find(taken).toCompletableFuture().join().orElseThrow().click().getSubIdsMap())
          .containsEntry("s1", "a");
    }
  }

  @Test
  void concurrentInsertsShareScriptCalls() {
    try (TestRedis redis = Topology.STANDALONE.start();
        RedisConnector connector = RedisConnector.connect(redis.url(), Duration.ofSeconds(5), 100_000)) {
      RedisClickStore clicks = new RedisClickStore(connector.commands());
      Instant at = Instant.now();
      clicks.insert(ONE_PARTITION.mintDecoded(at, 0), "acme", click(at).build(), LIFETIME).toCompletableFuture().join();
      long before = scriptCalls(redis);

      assertThat(concurrently(500, i -> clicks.insert(ONE_PARTITION.mintDecoded(at, 0), "acme", click(at).build(), LIFETIME)))
          .containsOnly(true);

      // One call goes alone, the rest in batches of at most MAX_BATCH.
      long calls = scriptCalls(redis) - before;
      assertThat(calls).isBetween((long) Math.ceil(499.0 / RedisClickStore.MAX_BATCH) + 1, 499L / 4);
      assertThat(hash(redis, RedisKeys.stats(0, "acme", StatsFormat.hourOf(at))))
          .containsEntry("k" + US + "spring" + US, "501");
    }
  }

  private static long scriptCalls(TestRedis redis) {
    Matcher m = Pattern.compile("cmdstat_evalsha:calls=(\\d+)").matcher(redis.commands().info("commandstats"));
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }
}
