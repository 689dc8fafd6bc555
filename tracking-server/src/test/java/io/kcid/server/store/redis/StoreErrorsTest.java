package io.kcid.server.store.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kcid.core.KcidException;
import io.kcid.core.kcid.DecodedKcid;
import io.kcid.core.kcid.KcidCodec;
import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.proto.tracking.v1.Click;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.server.store.redis.testing.LocalCluster;
import io.kcid.server.store.redis.testing.LocalSentinel;
import io.kcid.server.store.redis.testing.RedisNode;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.SlotHash;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the store answers when Redis fails, with the errors real Redis processes give in a
 * Cluster and a Sentinel group: everything that leaves an outcome unknown or a command not
 * executed is STORE_UNAVAILABLE / STORE_TIMEOUT (a retry), never success; a CROSSSLOT is a bug and
 * is loud.
 */
class StoreErrorsTest {
  private static final KcidCodec CODEC = new KcidCodec(KcidKeyRing.generate(1), 16);
  private static LocalCluster cluster;
  private static LocalSentinel sentinel;

  @BeforeAll
  static void start() {
    cluster = LocalCluster.start(3, 0, false);
    sentinel = LocalSentinel.start();
  }

  @AfterAll
  static void stop() {
    cluster.close();
    sentinel.close();
  }

  /** The reason a failure translates to, or null when it is not a kcid outcome (a bug). */
  private static ErrorReason reasonFor(ThrowingCallable redisCall) {
    Throwable raw = org.assertj.core.api.Assertions.catchThrowable(redisCall);
    assertThat(raw).as("Redis refused the command").isNotNull();
    RuntimeException translated = StoreErrors.translate(raw);
    return translated instanceof KcidException k ? k.reason() : null;
  }

  @Test
  void movedFromANodeThatDoesNotServeTheSlotIsUnavailable() {
    String key = "kc:{3}:k:x";
    RedisNode owner = cluster.ownerOf(SlotHash.getSlot(key));
    RedisNode other = cluster.primaries().stream().filter(n -> n != owner).findFirst().orElseThrow();
    assertThat(reasonFor(() -> other.sync().set(key, "v")))
        .isEqualTo(ErrorReason.ERROR_REASON_STORE_UNAVAILABLE);
  }

  @Test
  void tryAgainDuringASlotMigrationIsUnavailable() {
    String click = "kc:{5}:k:y";
    String request = "kc:{5}:r:y:req";
    int slot = SlotHash.getSlot(click);
    RedisNode owner = cluster.ownerOf(slot);
    RedisNode target = cluster.primaries().stream().filter(n -> n != owner).findFirst().orElseThrow();
    target.sync().clusterSetSlotImporting(slot, cluster.nodeId(owner));
    try {
      // What a record script meets on the importing node while its keys are still moving.
      assertThat(reasonFor(() -> {
        target.sync().asking();
        target.sync().eval("return 1", ScriptOutputType.INTEGER, click, request);
      })).isEqualTo(ErrorReason.ERROR_REASON_STORE_UNAVAILABLE);
    } finally {
      target.sync().clusterSetSlotStable(slot);
    }
  }

  @Test
  void clusterDownIsUnavailable() {
    List<String> settings = RedisNode.baseSettings(false);
    settings.add("cluster-enabled yes");
    try (RedisNode lonely = RedisNode.start(settings, true)) {
      // A cluster node that serves no slot: CLUSTERDOWN Hash slot not served.
      assertThat(reasonFor(() -> lonely.sync().get("kc:{1}:k:z")))
          .isEqualTo(ErrorReason.ERROR_REASON_STORE_UNAVAILABLE);
    }
  }

  @Test
  void aDemotedPrimaryRefusingAWriteIsUnavailable_plainAndInsideAScript() {
    RedisNode replica = sentinel.replica();
    assertThat(reasonFor(() -> replica.sync().set("k", "v")))
        .isEqualTo(ErrorReason.ERROR_REASON_STORE_UNAVAILABLE);
    // Redis 6 wraps the error of a call inside a script: "ERR Error running script … -READONLY …"
    assertThat(reasonFor(() -> replica.sync().eval("return redis.call('SET', KEYS[1], 'v')",
        ScriptOutputType.STATUS, "k")))
        .isEqualTo(ErrorReason.ERROR_REASON_STORE_UNAVAILABLE);
  }

  @Test
  void crossSlotIsABugNotAnOutage() {
    try (RedisConnector connector = RedisConnector.connect(cluster.url(), Duration.ofSeconds(2), 1000)) {
      byte[][] keys = {RedisKeys.stream(1), RedisKeys.stream(2)};
      assertThat(SlotHash.getSlot(keys[0])).isNotEqualTo(SlotHash.getSlot(keys[1]));
      LuaScript<Scripts.ReadStats> script = LuaScript.load(Scripts.READ_STATS);
      ScriptArgs<Scripts.ReadStats> call = ScriptArgs.of(Scripts.ReadStats.class)
          .add(Scripts.ReadStats.STATS, keys[0]).add(Scripts.ReadStats.PERIOD, "0")
          .add(Scripts.ReadStats.STATS, keys[1]).add(Scripts.ReadStats.PERIOD, "0")
          .set(Scripts.ReadStats.DIMENSIONS, "111").set(Scripts.ReadStats.CAMPAIGN_FILTER, "")
          .set(Scripts.ReadStats.DETAIL_FILTER, "").set(Scripts.ReadStats.GOAL_FILTER, "");
      Throwable failure = org.assertj.core.api.Assertions.catchThrowable(() -> script
          .<java.util.List<Object>>run(connector.commands(), ScriptOutputType.MULTI, call)
          .toCompletableFuture().join());
      assertThat(StoreErrors.unwrap(failure)).isInstanceOf(RedisCommandExecutionException.class)
          .hasMessageStartingWith("CROSSSLOT");
      // Not retried as a 503: it surfaces as INTERNAL, so a test that meets it fails.
      assertThat(StoreErrors.translate(failure)).isNotInstanceOf(KcidException.class);
    }
  }

  @Test
  void theTransientErrorListMatchesHowRedisWordsThem() {
    assertThat(StoreErrors.isTransient("TRYAGAIN Multiple keys request during rehashing of slot")).isTrue();
    assertThat(StoreErrors.isTransient("CLUSTERDOWN The cluster is down")).isTrue();
    assertThat(StoreErrors.isTransient("MOVED 3999 127.0.0.1:6381")).isTrue();
    assertThat(StoreErrors.isTransient("ASK 3999 127.0.0.1:6381")).isTrue();
    assertThat(StoreErrors.isTransient("LOADING Redis is loading the dataset in memory")).isTrue();
    assertThat(StoreErrors.isTransient("BUSY Redis is busy running a script.")).isTrue();
    assertThat(StoreErrors.isTransient("NOREPLICAS Not enough good replicas to write.")).isTrue();
    assertThat(StoreErrors.isTransient("OOM command not allowed when used memory > 'maxmemory'.")).isTrue();
    assertThat(StoreErrors.isTransient("ERR Error running script (call to f_0): @user_script:1: "
        + "@user_script: 1: -OOM command not allowed when used memory > 'maxmemory'.")).isTrue();
    assertThat(StoreErrors.isTransient("CROSSSLOT Keys in request don't hash to the same slot")).isFalse();
    assertThat(StoreErrors.isTransient("BUSYKEY Target key name already exists.")).isFalse();
    assertThat(StoreErrors.isTransient("ERR Error running script (call to f_0): @user_script:3: "
        + "user_script:3: attempt to compare nil with number")).isFalse();
    assertThat(StoreErrors.isTransient("WRONGTYPE Operation against a key holding the wrong kind of value"))
        .isFalse();
  }

  @Test
  void aStoppedRedisIsAnUnknownOutcomeNotASuccess() {
    LocalRedis doomed = LocalRedis.startTemporary();
    RedisConnector c = RedisConnector.connect(doomed.url(), Duration.ofMillis(300), 100);
    try {
      RedisClickStore store = new RedisClickStore(c.commands());
      DecodedKcid kcid = CODEC.decode(CODEC.mintRandomPartition(Instant.now()));
      doomed.close();
      assertThatThrownBy(() -> store.insert(kcid, "acme", Click.getDefaultInstance(), Duration.ofHours(1))
              .toCompletableFuture().join())
          .isInstanceOf(CompletionException.class)
          .cause()
          .isInstanceOf(KcidException.class)
          .satisfies(e -> assertThat(((KcidException) e).reason())
              .isIn(ErrorReason.ERROR_REASON_STORE_UNAVAILABLE, ErrorReason.ERROR_REASON_STORE_TIMEOUT));
    } finally {
      c.close();
    }
  }
}
