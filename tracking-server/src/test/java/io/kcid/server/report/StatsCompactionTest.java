package io.kcid.server.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.server.config.MetricsConfig;
import io.kcid.server.store.redis.RedisKeys;
import io.kcid.server.store.redis.testing.TestRedis;
import io.kcid.server.store.redis.testing.Topology;
import io.kcid.server.testing.RunningServer;
import io.kcid.server.testing.Scrapes;
import io.kcid.server.testing.TestServers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The running server keeps the current hour's stats hashes as hash tables and, on its own
 * schedule (a first pass a few seconds after start), rewrites past hours' hot hashes as listpacks.
 */
class StatsCompactionTest {
  @Test
  void theServerCompactsPastHoursAndLeavesTheCurrentHourHot() throws Exception {
    try (TestRedis redis = Topology.STANDALONE.start();
        RunningServer running = RunningServer.start(
            TestServers.builder(redis.url()).partitions(1).metrics(new MetricsConfig("127.0.0.1", 0)).build(),
            Duration.ofSeconds(60))) {
      var commands = redis.commands();
      String account = running.newAccount().getAccount().getAccountId();
      Instant now = Instant.now();
      // A past hour's hash left hot, as a server stopped before the hour's end leaves it.
      String past = text(RedisKeys.stats(0, account, now.minus(Duration.ofHours(3)).truncatedTo(ChronoUnit.HOURS)));
      String hot = text(RedisKeys.hotStats(0));
      commands.hset(past, Map.of("k\u001fweb\u001f", "5", "n\u001fweb\u001f\u001fsale\u001f2", "1"));
      commands.hset(past, "marker", "m".repeat(9000));
      commands.hdel(past, "marker");
      commands.pexpire(past, Duration.ofDays(30).toMillis());
      commands.sadd(hot, past);
      assertThat(commands.objectEncoding(past)).isEqualTo("hashtable");

      running.clicks().issueClick(IssueClickRequest.newBuilder().setAccountId(account).setCampaignId("web")
          .setCreativeId("cr-1").setDestinationUrl("https://shop.example/landing").build());
      String current = text(RedisKeys.stats(0, account, Instant.now().truncatedTo(ChronoUnit.HOURS)));

      await().atMost(Duration.ofSeconds(30)).untilAsserted(
          () -> assertThat(commands.sismember(hot, past)).as("compacted within 30 s of start").isFalse());
      // The compact encoding: "ziplist" on Redis 6.2, "listpack" from 7.0.
      assertThat(commands.objectEncoding(past)).isIn("ziplist", "listpack");
      assertThat(commands.hgetall(past))
          .containsExactlyInAnyOrderEntriesOf(Map.of("k\u001fweb\u001f", "5", "n\u001fweb\u001f\u001fsale\u001f2", "1"));
      assertThat(commands.pttl(past)).isGreaterThan(Duration.ofDays(29).toMillis());
      assertThat(commands.objectEncoding(current)).as("the current hour stays a hash table").isEqualTo("hashtable");
      assertThat(commands.sismember(hot, current)).isTrue();

      // The pass is published: the hash it rewrote, and the current hour's hashes it left hot
      // (the metrics follow the pass's end, a moment after the set changed).
      String metrics = "http://127.0.0.1:" + running.server().metricsPort() + "/metrics";
      String scrape = await().atMost(Duration.ofSeconds(5)).until(() -> Scrapes.fetch(metrics),
          text -> Scrapes.require(text, "kcid_server_stats_hashes_compacted_total", Map.of()) >= 1);
      assertThat(Scrapes.require(scrape, "kcid_server_stats_hashes_compacted_total", Map.of())).isEqualTo(1);
      assertThat(Scrapes.require(scrape, "kcid_server_stats_hot_hashes", Map.of()))
          .as("the current hour's stats and dimension hashes").isEqualTo(2);
      assertThat(Scrapes.require(scrape, "kcid_server_stats_compaction_failures_total", Map.of())).isZero();
    }
  }

  private static String text(byte[] key) {
    return new String(key, StandardCharsets.UTF_8);
  }
}
