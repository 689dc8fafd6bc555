package io.kcid.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.edge.HttpEdge;
import io.kcid.faults.testing.PostbackLoad;
import io.kcid.faults.testing.PostbackLoad.Postback;
import io.kcid.faults.testing.RedisProcess;
import io.kcid.faults.testing.Stack;
import io.kcid.faults.testing.StoreAudit;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.Conversion;
import io.kcid.proto.tracking.v1.CountingMode;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.server.TrackingServer;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Promise 1, no acknowledged conversion lost: redis-server on {@code appendonly yes} +
 * {@code appendfsync always} is killed with SIGKILL at random moments while postbacks flow through
 * the real edge and tracking-server (about 20% of them duplicates, sent by a client that retries
 * every non-2xx with the same parameters), and restarted on the same port and data directory.
 *
 * <p>Passes when, read back after a final kill and restart: every postback answered 2xx is stored
 * under the conversion id it was given, each unique transaction is stored exactly once, and the
 * stored values add up to the sum of the unique transactions' values. Shortened by default
 * (1000 postbacks, 3 kills); {@code -Pheavy}: 5000 postbacks, 5 kills.
 */
class NoAcknowledgedConversionLostIT {
  private static final KcidKeyRing KEYS = KcidKeyRing.generate(1);
  private static final int CLICKS = 40;

  @TempDir Path dir;

  @Test
  void sigkilledRedisOnAppendfsyncAlwaysLosesNoAcknowledgedConversionAndCountsEachTransactionOnce() throws Exception {
    boolean heavy = Stack.heavy();
    int postbacks = heavy ? 5000 : 1000;
    int kills = heavy ? 5 : 3;
    double perSecond = heavy ? 250 : 140;
    long runMillis = (long) (postbacks / perSecond * 1000);
    Random random = new Random(20240607L);

    try (RedisProcess redis = RedisProcess.start(dir.resolve("redis"), true)) {
      TrackingServer server = Stack.server(redis.url(), KEYS, 0, Duration.ZERO);
      HttpEdge edge = Stack.edge("127.0.0.1:" + server.port(), 0, Duration.ofMillis(1500));
      ManagedChannel channel = Stack.channel(server.port());
      try {
        CreateAccountResponse account = Stack.account(channel, "sale", CountingMode.COUNTING_MODE_UNIQUE_TRANSACTION_PER_CLICK);
        String accountId = account.getAccount().getAccountId();
        Stack.addGoal(channel, accountId, "order", CountingMode.COUNTING_MODE_UNIQUE_TRANSACTION_PER_ACCOUNT);
        List<String> kcids = new ArrayList<>();
        for (int i = 0; i < CLICKS; i++) {
          kcids.add(ClickServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
              .issueClick(IssueClickRequest.newBuilder().setAccountId(accountId).setCampaignId("c").build())
              .getClick().getKcid());
        }

        // The plan: unique transactions on both dedupe rules, ~20% of sends repeating an earlier one.
        List<Postback> plan = new ArrayList<>();
        List<Postback> unique = new ArrayList<>();
        for (int i = 0; i < postbacks; i++) {
          if (!unique.isEmpty() && random.nextInt(100) < 20) {
            plan.add(unique.get(random.nextInt(unique.size())));
          } else {
            Postback p = new Postback(i, kcids.get(random.nextInt(CLICKS)), i % 2 == 0 ? "sale" : "order",
                "tx-" + i, (1 + random.nextInt(500)) + "." + String.format("%02d", random.nextInt(100)));
            unique.add(p);
            plan.add(p);
          }
        }

        List<Long> killedAt = new ArrayList<>();
        Thread killer = new Thread(() -> {
          long start = System.nanoTime();
          for (int k = 0; k < kills; k++) {
            // Spread the kills over the run, at random moments within each slice.
            long slice = runMillis / kills;
            long at = k * slice + 200 + random.nextInt((int) Math.max(1, slice - 400));
            long wait = at - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            if (wait > 0) {
              Stack.sleep(wait);
            }
            redis.kill9();
            killedAt.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            Stack.sleep(100 + random.nextInt(300));
            redis.restart();
          }
        }, "redis-killer");
        killer.start();
        PostbackLoad.History history = PostbackLoad.run(
            plan, n -> "http://127.0.0.1:" + edge.port(), account.getSecrets().getPostbackToken(), 8, perSecond,
            Duration.ofSeconds(heavy ? 240 : 90));
        killer.join();

        assertThat(killedAt).as("kills").hasSize(kills);
        assertThat(history.complete()).as("every postback acknowledged in the end; statuses " + history.statuses()).isTrue();
        assertThat(history.statuses().keySet()).as("answers seen (only success or retry)").isSubsetOf(200, 503);
        assertThat(history.attempts()).filteredOn(a -> a.status() == 503).allMatch(PostbackLoad.Attempt::retryAfter);
        assertThat(history.statuses().getOrDefault(503, 0)).as("the kills were felt").isPositive();

        // One more crash after the last acknowledgement: what was acknowledged must be on disk.
        redis.kill9();
        redis.restart();

        List<Conversion> stored = awaitReadable(channel, kcids);
        Map<String, List<Conversion>> byTransaction = stored.stream()
            .collect(Collectors.groupingBy(c -> c.getGoalKey() + "/" + c.getTransactionId()));
        Map<String, Conversion> byId = new HashMap<>();
        stored.forEach(c -> byId.put(c.getConversionId(), c));

        assertThat(byTransaction.values()).as("each unique transaction stored exactly once")
            .allSatisfy(list -> assertThat(list).hasSize(1));
        assertThat(byTransaction).hasSize(unique.size());
        for (PostbackLoad.Acknowledged ack : history.acknowledged().values()) {
          Conversion c = byId.get(ack.conversionId());
          assertThat(c).as("acknowledged " + ack + " is stored").isNotNull();
          assertThat(c.getTransactionId()).isEqualTo(ack.postback().txid());
          assertThat(c.getKcid()).isEqualTo(ack.postback().kcid());
          assertThat(new BigDecimal(c.getValue().getAmount())).isEqualByComparingTo(ack.postback().value());
        }
        BigDecimal expected = unique.stream().map(p -> new BigDecimal(p.value())).reduce(BigDecimal.ZERO, BigDecimal::add);
        BigDecimal total = stored.stream().map(c -> new BigDecimal(c.getValue().getAmount())).reduce(BigDecimal.ZERO, BigDecimal::add);
        assertThat(total).as("value total").isEqualByComparingTo(expected);
        Map<String, Long> outcomes = new LinkedHashMap<>();
        history.acknowledged().values().forEach(a -> outcomes.merge(a.status(), 1L, Long::sum));
        System.out.printf("promise 1: %d postbacks (%d unique), kills at %s ms, attempts by status %s, outcomes %s%n",
            postbacks, unique.size(), killedAt, history.statuses(), outcomes);
      } finally {
        channel.shutdownNow();
        edge.close();
        server.close();
      }
    }
  }

  /** Right after a restart the server's connection may still be reconnecting: retry the read briefly. */
  private static List<Conversion> awaitReadable(ManagedChannel channel, List<String> kcids) {
    RuntimeException last = null;
    for (int attempt = 0; attempt < 50; attempt++) {
      try {
        return StoreAudit.conversions(channel, kcids);
      } catch (RuntimeException e) {
        last = e;
        Stack.sleep(200);
      }
    }
    throw last;
  }
}
