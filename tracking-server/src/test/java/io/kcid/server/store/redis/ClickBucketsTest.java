package io.kcid.server.store.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.kcid.core.kcid.DecodedKcid;
import io.kcid.core.kcid.KcidCodec;
import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.proto.tracking.v1.Click;
import io.kcid.server.store.StoredClick;
import io.kcid.server.store.redis.testing.TestRedis;
import io.kcid.server.store.redis.testing.Topology;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The bucketed click layout (lib_clicks.lua) on real Redis: one partition and one hour, so every
 * click lands in the same group, which must split into compact buckets and still find every click.
 */
class ClickBucketsTest {
  private static final KcidCodec ONE_PARTITION = new KcidCodec(KcidKeyRing.generate(1), 1);
  private static final Duration LIFETIME = Duration.ofDays(31);

  private static List<DecodedKcid> mint(int count, Instant issued) {
    List<DecodedKcid> kcids = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      kcids.add(ONE_PARTITION.decode(ONE_PARTITION.mintRandomPartition(issued)));
    }
    return kcids;
  }

  private static Click click(int i) {
    return Click.newBuilder().setCampaignId("camp-" + i % 7).putSubIds("s1", "pub-" + i).build();
  }

  private static <T> List<T> all(List<DecodedKcid> kcids, Function<Integer, java.util.concurrent.CompletionStage<T>> call) {
    List<CompletableFuture<T>> futures = new ArrayList<>();
    for (int i = 0; i < kcids.size(); i++) {
      futures.add(call.apply(i).toCompletableFuture());
    }
    return futures.stream().map(CompletableFuture::join).toList();
  }

  private static List<String> buckets(TestRedis redis, DecodedKcid any) {
    String group = new String(RedisKeys.clickGroup(any), StandardCharsets.UTF_8);
    return redis.commands().keys(group.replace("{", "\\{").replace("}", "\\}") + ":*");
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(value = Topology.class, names = {"STANDALONE", "CLUSTER"})
  void aBusyHourSplitsIntoCompactBucketsAndFindsEveryClick(Topology topology) {
    try (TestRedis redis = topology.start();
        RedisConnector connector = RedisConnector.connect(redis.url(), Duration.ofSeconds(5), 100_000)) {
      RedisClickStore clicks = new RedisClickStore(connector.commands());
      Instant issued = Instant.now().minusSeconds(60);
      List<DecodedKcid> kcids = mint(6000, issued);

      assertThat(all(kcids, i -> clicks.insert(kcids.get(i), "acme", click(i), LIFETIME))).containsOnly(true);

      List<Optional<StoredClick>> found = all(kcids, i -> clicks.find(kcids.get(i)));
      for (int i = 0; i < kcids.size(); i++) {
        StoredClick stored = found.get(i).orElseThrow();
        assertThat(stored.accountId()).isEqualTo("acme");
        assertThat(stored.click().getCampaignId()).isEqualTo("camp-" + i % 7);
        assertThat(stored.click().getSubIdsMap()).containsEntry("s1", "pub-" + i);
        assertThat(stored.click().getClickTime().getSeconds()).isEqualTo(issued.getEpochSecond());
      }
      // A stored kcid is never overwritten, whichever bucket it has moved to since.
      assertThat(all(kcids.subList(0, 50), i -> clicks.insert(kcids.get(i), "evil", click(0), LIFETIME)))
          .containsOnly(false);

      List<String> buckets = buckets(redis, kcids.get(0));
      String group = new String(RedisKeys.clickGroup(kcids.get(0)), StandardCharsets.UTF_8);
      assertThat(redis.commands().hget(group, "n")).isEqualTo("6000");
      assertThat(buckets.size()).as("about 6000 / 40 buckets").isBetween(100, 160);
      long stored = 0;
      for (String bucket : buckets) {
        long size = redis.commands().hlen(bucket);
        stored += size;
        assertThat(size).as(bucket).isLessThanOrEqualTo(128);
        // The compact encoding: "ziplist" on Redis 6.2, "listpack" from 7.0.
        assertThat(redis.commands().objectEncoding(bucket)).as(bucket).isIn("ziplist", "listpack");
      }
      assertThat(stored).isEqualTo(6000);

      // The whole group goes at the end of the issue hour plus the longest lifetime in it (the
      // last click's: stored for LIFETIME from its insert, lifetimes count from the issue time).
      long hourEnd = (issued.getEpochSecond() / 3600 + 1) * 3600;
      long lifetime = found.get(found.size() - 1).orElseThrow().click().getExpireTime().getSeconds()
          - issued.getEpochSecond();
      long expected = (hourEnd + lifetime) * 1000 - System.currentTimeMillis();
      assertThat(redis.commands().pttl(group)).isBetween(expected - 10_000, expected + 1_000);
      for (String bucket : buckets) {
        assertThat(redis.commands().pttl(bucket)).as(bucket).isBetween(expected - 10_000, expected + 1_000);
      }

      // Deleting takes the field out of whichever bucket holds it.
      assertThat(all(kcids.subList(0, 100), i -> clicks.delete(kcids.get(i)))).allMatch(Optional::isPresent);
      assertThat(all(kcids.subList(0, 100), i -> clicks.find(kcids.get(i)))).allMatch(Optional::isEmpty);
      assertThat(all(kcids.subList(100, 200), i -> clicks.find(kcids.get(100 + i)))).allMatch(Optional::isPresent);
      assertThat(redis.commands().hget(group, "n")).isEqualTo("5900");
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(value = Topology.class, names = {"STANDALONE"})
  void manySplitRoundsKeepEveryClickReachable(Topology topology) {
    try (TestRedis redis = topology.start();
        RedisConnector connector = RedisConnector.connect(redis.url(), Duration.ofSeconds(5), 100_000)) {
      // Two clicks per bucket: 1500 clicks go through ten rounds of splitting.
      RedisClickStore clicks =
          new RedisClickStore(connector.commands(), DurableWrites.unreplicated(connector.commands()),
              RedisClickStore.DEFAULT_STATS_RETENTION, 2, Clock.systemUTC());
      List<DecodedKcid> kcids = mint(1500, Instant.now());
      // One at a time, so that every insert between splits is checked, not only the end state.
      for (int i = 0; i < kcids.size(); i++) {
        assertThat(clicks.insert(kcids.get(i), "acme", click(i), LIFETIME).toCompletableFuture().join()).isTrue();
        int probe = i / 2;
        assertThat(clicks.find(kcids.get(probe)).toCompletableFuture().join()).as("click %d after %d inserts", probe, i)
            .isPresent();
      }
      assertThat(all(kcids, i -> clicks.find(kcids.get(i)))).allMatch(Optional::isPresent);
      String group = new String(RedisKeys.clickGroup(kcids.get(0)), StandardCharsets.UTF_8);
      assertThat(Integer.parseInt(redis.commands().hget(group, "l"))).isGreaterThanOrEqualTo(9);
      assertThat(buckets(redis, kcids.get(0)).size()).isGreaterThanOrEqualTo(512);
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(value = Topology.class, names = {"STANDALONE"})
  void contextsAreInternedOncePerGroupUnlessMostlyUnique(Topology topology) {
    try (TestRedis redis = topology.start();
        RedisConnector connector = RedisConnector.connect(redis.url(), Duration.ofSeconds(5), 100_000)) {
      RedisClickStore clicks = new RedisClickStore(connector.commands());
      Instant issued = Instant.now();
      // Seven campaigns: seven contexts, however many clicks.
      List<DecodedKcid> shared = mint(700, issued);
      assertThat(all(shared, i -> clicks.insert(shared.get(i), "acme", click(i), LIFETIME))).containsOnly(true);
      String group = new String(RedisKeys.clickGroup(shared.get(0)), StandardCharsets.UTF_8);
      assertThat(redis.commands().hget(group, "k")).isEqualTo("7");

      // Every click its own landing page: interning stops once half the clicks brought a new one.
      Instant nextHour = issued.plusSeconds(3600);
      List<DecodedKcid> unique = mint(300, nextHour);
      Function<Integer, Click> deepLink = i -> click(i).toBuilder()
          .setDestinationUrl("https://shop.example/product/" + i).build();
      for (int i = 0; i < unique.size(); i++) {
        assertThat(join(clicks.insert(unique.get(i), "acme", deepLink.apply(i), LIFETIME))).isTrue();
      }
      String uniqueGroup = new String(RedisKeys.clickGroup(unique.get(0)), StandardCharsets.UTF_8);
      assertThat(redis.commands().hget(uniqueGroup, "k")).isEqualTo("64");
      List<Optional<StoredClick>> found = all(unique, i -> clicks.find(unique.get(i)));
      for (int i = 0; i < unique.size(); i++) {
        assertThat(found.get(i).orElseThrow().click().getDestinationUrl()).isEqualTo("https://shop.example/product/" + i);
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(value = Topology.class, names = {"STANDALONE"})
  void anotherContextUnderTheSameReferenceIsStoredInline(Topology topology) {
    try (TestRedis redis = topology.start();
        RedisConnector connector = RedisConnector.connect(redis.url(), Duration.ofSeconds(5), 100_000)) {
      RedisClickStore clicks = new RedisClickStore(connector.commands());
      DecodedKcid kcid = mint(1, Instant.now()).get(0);
      Click click = click(3).toBuilder().setDestinationUrl("https://a.example/").build();
      // What a digest collision would leave behind: the reference already names other bytes.
      byte[] ref = RedisClickStore.reference(RedisClickStore.context("acme", click));
      byte[] field = new byte[ref.length + 1];
      field[0] = 'c';
      System.arraycopy(ref, 0, field, 1, ref.length);
      connector.commands().hset(RedisKeys.clickGroup(kcid), field, "other\0camp\0".getBytes(StandardCharsets.UTF_8))
          .toCompletableFuture().join();

      assertThat(join(clicks.insert(kcid, "acme", click, LIFETIME))).isTrue();
      StoredClick stored = join(clicks.find(kcid)).orElseThrow();
      assertThat(stored.accountId()).isEqualTo("acme");
      assertThat(stored.click().getCampaignId()).isEqualTo("camp-3");
      assertThat(stored.click().getDestinationUrl()).isEqualTo("https://a.example/");
    }
  }

  private static <T> T join(java.util.concurrent.CompletionStage<T> stage) {
    return stage.toCompletableFuture().join();
  }
}
