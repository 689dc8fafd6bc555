package io.kcid.server.bench;

import com.google.protobuf.Timestamp;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kcid.proto.tracking.v1.*;
import io.kcid.server.TrackingServer;
import io.kcid.server.store.redis.LocalRedis;
import io.kcid.server.testing.TestServers;
import io.lettuce.core.RedisClient;
import java.time.*;
import java.time.format.DateTimeFormatter;
import java.util.*;
import org.junit.jupiter.api.Test;

/**
 * Measures what a report costs when an account has counters in every hour of every partition for
 * 399 days (16 partitions x 9576 hours, 20 fields per hour): Redis memory per hour hash and the
 * latency of 399-day and 7-day reports. Not part of the default build (surefire runs *Test
 * classes); run it with
 * {@code ./mvnw -B -o -pl tracking-server -am verify -Dtest=ReportCostMeasure -Dsurefire.failIfNoSpecifiedTests=false}
 * and read the MEASURE lines.
 */
class ReportCostMeasure {
  @Test
  void measure() throws Exception {
    try (LocalRedis redis = LocalRedis.startTemporary()) {
      TrackingServer server = TrackingServer.start(TestServers.builder(redis.url())
          .redisTimeout(Duration.ofMillis(2000)).redisQueueSize(10000).statsRetention(Duration.ofDays(400))
          .streamPollInterval(Duration.ofMillis(200)).build());
      ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
      var admin = AdminServiceGrpc.newBlockingStub(ch);
      var reports = ReportServiceGrpc.newBlockingStub(ch);
      admin.createAccount(CreateAccountRequest.newBuilder().setAccountId("big").build());
      Instant end = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.HOURS);
      Instant start = end.minus(Duration.ofDays(399));
      GetStatsRequest req = GetStatsRequest.newBuilder().setAccountId("big").setStartTime(Timestamp.newBuilder().setSeconds(start.getEpochSecond()))
          .setEndTime(Timestamp.newBuilder().setSeconds(end.getEpochSecond())).addGroupBy(StatsDimension.STATS_DIMENSION_DAY).build();
      for (int i = 0; i < 3; i++) {
        long t = System.nanoTime();
        reports.getStats(req);
        System.out.printf("MEASURE empty 399d report: %d ms%n", (System.nanoTime() - t) / 1_000_000);
      }
      long before = memory(redis);
      // A populated hash in every partition-hour: 2 campaigns x 2 s1 clicks, 2 goals x statuses, values, histogram.
      DateTimeFormatter hf = DateTimeFormatter.ofPattern("yyyyMMddHH").withZone(ZoneOffset.UTC);
      try (RedisClient raw = RedisClient.create(redis.url()); var c = raw.connect()) {
        var async = c.async();
        List<io.lettuce.core.RedisFuture<Long>> pending = new ArrayList<>();
        int n = 0;
        for (int p = 0; p < 16; p++) {
          for (Instant h = start; h.isBefore(end); h = h.plus(Duration.ofHours(1))) {
            Map<String, String> f = new HashMap<>();
            for (String camp : List.of("spring-sale", "autumn-sale")) {
              for (String s1 : List.of("pub42", "pub7")) {
                f.put("k\u001f" + camp + "\u001f" + s1, "120");
                f.put("n\u001f" + camp + "\u001f" + s1 + "\u001fpurchase\u001f2", "3");
                f.put("u\u001f" + camp + "\u001f" + s1 + "\u001fpurchase\u001f2\u001fEUR", "149");
                f.put("m\u001f" + camp + "\u001f" + s1 + "\u001fpurchase\u001f2\u001fEUR", "700000");
                f.put("h\u001f" + camp + "\u001f" + s1 + "\u001fpurchase\u001f0", "3");
              }
            }
            pending.add(async.hset("kc:{" + p + "}:st:big:" + hf.format(h), f));
            if (++n % 1000 == 0) { for (var x : pending) x.get(); pending.clear(); }
          }
        }
        for (var x : pending) x.get();
        long after = memory(redis);
        System.out.printf("MEASURE %d hour hashes with 20 fields each: %d bytes, %d bytes/hash%n", n, after - before, (after - before) / n);
      }
      for (int i = 0; i < 3; i++) {
        long t = System.nanoTime();
        var r = reports.getStats(req);
        System.out.printf("MEASURE full 399d report (%d rows, clicks %d): %d ms%n", r.getRowsCount(), r.getTotal().getClicks(), (System.nanoTime() - t) / 1_000_000);
        org.assertj.core.api.Assertions.assertThat(r.getTotal().getClicks()).isEqualTo(16L * 9576 * 4 * 120);
      }
      req = req.toBuilder().clearGroupBy().setStartTime(Timestamp.newBuilder().setSeconds(end.minus(Duration.ofDays(7)).getEpochSecond())).build();
      for (int i = 0; i < 3; i++) {
        long t = System.nanoTime();
        reports.getStats(req);
        System.out.printf("MEASURE full 7d report: %d ms%n", (System.nanoTime() - t) / 1_000_000);
      }
      ch.shutdownNow();
      server.close();
    }
  }

  private static long memory(LocalRedis redis) {
    try (RedisClient raw = RedisClient.create(redis.url()); var c = raw.connect()) {
      String info = c.sync().info("memory");
      return info.lines().filter(l -> l.startsWith("used_memory:")).map(l -> Long.parseLong(l.split(":")[1].trim())).findFirst().orElseThrow();
    }
  }
}
