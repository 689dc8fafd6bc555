package io.kcid.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.CreateGoalRequest;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.Money;
import io.kcid.proto.tracking.v1.Outcome;
import io.kcid.proto.tracking.v1.PostbackCredentials;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.server.store.redis.LocalRedis;
import io.kcid.server.testing.RunningServer;
import io.kcid.server.testing.TestServers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanIterator;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Where a conversion recorded through RecordConversion puts its bytes, by key class: Redis {@code
 * MEMORY USAGE} of every key before and after {@code kcid.probe.conversions} conversions (4,000 by
 * default) on clicks with a creative, a placement and two sub ids, and one converted click's state
 * hash field by field. {@code MEMORY USAGE} leaves out the keyspace's own entries (about 50-70
 * bytes per key). Not part of the build (the class name matches no test pattern): {@code ./mvnw -o
 * -pl tracking-server test -Dtest=ConversionMemoryRpcProbe -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class ConversionMemoryRpcProbe {
  @Test
  void breakdown() throws Exception {
    int n = Integer.getInteger("kcid.probe.conversions", 4000);
    try (LocalRedis redis = LocalRedis.startTemporary();
        RunningServer running = RunningServer.start(TestServers.builder(redis.url()).macKeys(KcidKeyRing.generate(1)).build(), Duration.ofMinutes(10))) {
      RedisClient client = RedisClient.create(redis.url());
      RedisCommands<String, String> admin = client.connect().sync();
      CreateAccountResponse account = running.newAccount();
      String id = account.getAccount().getAccountId();
      running.admin().createGoal(CreateGoalRequest.newBuilder().setAccountId(id).setGoalKey("purchase").build());
      List<String> kcids = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        kcids.add(running.clicks().issueClick(IssueClickRequest.newBuilder().setAccountId(id).setCampaignId("spring-sale")
            .setCreativeId("cr-" + (i % 5)).setPlacementId("pl-" + (i % 6)).putSubIds("s1", "pub" + (i % 4))
            .putSubIds("s2", "site" + (i % 5)).setDestinationUrl("https://shop.example.com/landing").build()).getClick().getKcid());
      }
      Map<String, long[]> before = classes(admin);
      for (int i = 0; i < n; i++) {
        var outcome = running.conversions().recordConversion(RecordConversionRequest.newBuilder().setKcid(kcids.get(i)).setGoalKey("purchase")
            .setValue(Money.newBuilder().setAmount("49.90").setCurrencyCode("EUR")).setTransactionId("order-" + kcids.get(i))
            .setCredentials(PostbackCredentials.newBuilder().setToken(account.getSecrets().getPostbackToken())).build())
            .getOutcome();
        assertThat(outcome).isEqualTo(Outcome.OUTCOME_ACCEPTED);
      }
      Map<String, long[]> after = classes(admin);
      for (var e : after.entrySet()) {
        long[] b = before.getOrDefault(e.getKey(), new long[2]);
        System.out.printf("PROBE %-12s keys %6d -> %6d  MEMORY USAGE %10d -> %10d  per conversion %.1f%n", e.getKey(), b[0], e.getValue()[0], b[1], e.getValue()[1], (e.getValue()[1] - b[1]) / (double) n);
      }
      for (String k : admin.keys("*:log*")) {
        System.out.println("PROBE log " + k + " " + admin.type(k) + " len " + admin.xlen(k) + " bytes " + admin.memoryUsage(k));
        var first = admin.xrange(k, io.lettuce.core.Range.create("-", "+"), io.lettuce.core.Limit.create(0, 1));
        System.out.println("PROBE   entry value bytes " + first.get(0).getBody().get("e").length());
      }
      for (String k : admin.keys("*:x:" + kcids.get(0))) {
        System.out.println("PROBE sample " + k + " " + admin.objectEncoding(k) + " " + admin.memoryUsage(k));
        for (var e : admin.hgetall(k).entrySet()) System.out.println("PROBE   " + e.getKey() + " = " + e.getValue().length() + " bytes");
      }
      client.shutdown();
    }
  }

  private static Map<String, long[]> classes(RedisCommands<String, String> admin) {
    Map<String, long[]> out = new TreeMap<>();
    ScanIterator.scan(admin, ScanArgs.Builder.limit(10000)).forEachRemaining(k -> {
      String cls = k.replaceAll("^kc:\\{[^}]*\\}:", "").replaceAll(":.*", "");
      long[] v = out.computeIfAbsent(cls, x -> new long[2]);
      v[0]++;
      Long mu = admin.memoryUsage(k);
      v[1] += mu == null ? 0 : mu;
    });
    return out;
  }
}
