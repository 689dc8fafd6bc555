package io.kcid.server.store.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Timestamp;
import io.kcid.core.kcid.DecodedKcid;
import io.kcid.core.kcid.KcidCodec;
import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.proto.tracking.v1.Conversion;
import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.CountingMode;
import io.kcid.proto.tracking.v1.Money;
import io.kcid.server.conversion.StatusTransitions;
import io.kcid.server.store.RecordCommand;
import io.kcid.server.store.RecordResult;
import io.kcid.server.store.redis.testing.TestRedis;
import io.kcid.server.store.redis.testing.Topology;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Redis CPU per recorded conversion (the record script alone: no postback log, no attempt
 * pointers), on clicks with a creative, a placement and two sub ids as the bench's, at
 * {@code -Dkcid.probe.inflight} records in flight; {@code -Dkcid.probe.hashEntries=128} runs it
 * with the hour's stats hashes past Redis' listpack limit, as hash tables. Not part of the build (the class name matches
 * no test pattern): {@code ./mvnw -B -o -pl tracking-server -am test -Dtest=ConversionRecordCostProbe
 * -Dsurefire.failIfNoSpecifiedTests=false}; compare runs on the same machine, idle if possible.
 */
class ConversionRecordCostProbe {
  private static final int CONVERSIONS = Integer.getInteger("kcid.probe.conversions", 50_000);
  private static final int IN_FLIGHT = Integer.getInteger("kcid.probe.inflight", 64);
  private static final KcidCodec CODEC = new KcidCodec(KcidKeyRing.generate(1), 16);
  private static final String ACCOUNT = "acct-4f2a9c1e";
  /** hash-max-ziplist-entries for the run (Redis' default 512 when unset). */
  private static final String HASH_ENTRIES = System.getProperty("kcid.probe.hashEntries");

  @Test
  void redisCpuPerConversion() {
    for (int round = 0; round < 3; round++) {
      System.out.printf("probe round %d: Redis CPU µs per recorded conversion: %.1f%n", round, cpuMicrosPerConversion());
    }
  }

  private static double cpuMicrosPerConversion() {
    Instant now = Instant.now();
    try (TestRedis redis = Topology.STANDALONE.start();
        RedisConnector connector = RedisConnector.connect(redis.url(), Duration.ofSeconds(5), 100_000)) {
      RedisClient adminClient = RedisClient.create(redis.url());
      try {
        RedisCommands<String, String> admin = adminClient.connect().sync();
        if (HASH_ENTRIES != null) {
          admin.configSet("hash-max-ziplist-entries", HASH_ENTRIES);
        }
        RedisClickStore clicks = new RedisClickStore(connector.commands());
        RedisConversionStore conversions = new RedisConversionStore(connector.commands(), 1_000_000);
        List<DecodedKcid> kcids = new ArrayList<>();
        for (int i = 0; i < CONVERSIONS; i++) {
          kcids.add(CODEC.decode(CODEC.mintRandomPartition(now)));
        }
        inFlight(i -> clicks.insert(kcids.get(i), ACCOUNT, ClickInsertCostProbe.typicalClick(now, i), Duration.ofDays(31)).toCompletableFuture());
        admin.configResetstat();
        double before = redis.cpuSeconds();
        List<RecordResult> results = Collections.synchronizedList(new ArrayList<>());
        inFlight(i -> conversions.record(conversion(kcids.get(i), now)).thenApply(results::add).toCompletableFuture());
        double micros = (redis.cpuSeconds() - before) * 1e6 / CONVERSIONS;
        assertThat(results).hasSize(CONVERSIONS).allMatch(r -> r.code() == RecordResult.Code.ACCEPTED);
        // Where it went: time per command (a script's inner commands are counted too, and the
        // script's own time includes them), and how one partition's hashes are encoded.
        System.out.println(admin.info("commandstats"));
        for (String pattern : List.of("kc:{3}:st:*", "kc:{3}:dim:*", "kc:{3}:x:*", "kc:{3}:k:*")) {
          String key = admin.scan(ScanArgs.Builder.matches(pattern).limit(1_000_000)).getKeys().get(0);
          System.out.printf("%s: %s, %d fields, %d bytes%n",
              key, admin.objectEncoding(key), admin.hlen(key), admin.memoryUsage(key));
        }
        return micros;
      } finally {
        adminClient.shutdown();
      }
    }
  }

  private static void inFlight(java.util.function.IntFunction<CompletableFuture<?>> op) {
    for (int from = 0; from < CONVERSIONS; from += IN_FLIGHT) {
      List<CompletableFuture<?>> batch = new ArrayList<>();
      for (int i = from; i < Math.min(CONVERSIONS, from + IN_FLIGHT); i++) {
        batch.add(op.apply(i));
      }
      CompletableFuture.allOf(batch.toArray(CompletableFuture[]::new)).join();
    }
  }

  private static RecordCommand conversion(DecodedKcid kcid, Instant now) {
    String txid = "order-" + kcid.kcid().substring(0, 10);
    Money value = Money.newBuilder().setAmount("49.90").setCurrencyCode("EUR").build();
    Timestamp t = Timestamp.newBuilder().setSeconds(now.getEpochSecond()).build();
    Conversion payload = Conversion.newBuilder().setAccountId(ACCOUNT).setGoalKey("purchase")
        .setOriginalValue(value).setTransactionId(txid).setEventTime(t).setRecordTime(t).setClickTime(t).build();
    return new RecordCommand(kcid, ACCOUNT, "purchase", CountingMode.COUNTING_MODE_ONCE_PER_CLICK,
        txid, "", "", payload.toByteArray(), value,
        ConversionStatus.CONVERSION_STATUS_UNSPECIFIED, ConversionStatus.CONVERSION_STATUS_APPROVED,
        StatusTransitions.sourcesOf(ConversionStatus.CONVERSION_STATUS_UNSPECIFIED), List.of(), false, now,
        Duration.ofDays(31), Duration.ofDays(31), now, 0);
  }
}
