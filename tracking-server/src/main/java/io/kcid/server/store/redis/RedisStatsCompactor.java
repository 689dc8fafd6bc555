package io.kcid.server.store.redis;

import io.kcid.server.store.redis.Scripts.CompactStats;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Keeps only the current hours' stats and dimension hashes as hash tables. The counting scripts
 * turn an hour's hash into a hash table when they add a field to it and list it in its
 * partition's set of hot hashes (lib_stats.lua heat): a conversion then increments its counters
 * in constant time instead of scanning a listpack of a few hundred fields. Once the hour is over
 * (and a grace period for late events), this rewrites the hash as a compact listpack again
 * (compact_stats.lua), so the hours kept for the stats retention cost what they cost before.
 * Every instance may run it: the script is atomic and skips hashes another instance compacted.
 */
public final class RedisStatsCompactor {
  private static final LuaScript<CompactStats> COMPACT = LuaScript.load(Scripts.COMPACT_STATS);
  /** How long after its hour ends a hash stays hot, for postbacks of conversions near its end. */
  static final Duration GRACE = Duration.ofMinutes(10);
  /** Hashes per script call: bounds how long one call holds Redis. */
  static final int HASHES_PER_CALL = 16;

  private final RedisClusterAsyncCommands<byte[], byte[]> redis;
  private final int partitions;

  public RedisStatsCompactor(RedisClusterAsyncCommands<byte[], byte[]> redis, int partitions) {
    this.redis = redis;
    this.partitions = partitions;
  }

  /**
   * What one pass did, over all partitions: the hashes it rewrote, and the hashes it left hot (their
   * hour current or within {@link #GRACE}), which is what the hot sets cost in memory.
   */
  public record Pass(int rewritten, int leftHot) {
    static final Pass NONE = new Pass(0, 0);

    Pass plus(Pass other) {
      return new Pass(rewritten + other.rewritten, leftHot + other.leftHot);
    }
  }

  /**
   * Compacts the hot hashes of every partition whose hour ended at least {@link #GRACE} before
   * {@code now}.
   */
  public CompletionStage<Pass> compactPastHours(Instant now) {
    List<Supplier<CompletionStage<Pass>>> partitionsInTurn = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      int partition = p;
      partitionsInTurn.add(() -> compactPartition(partition, now));
    }
    return RedisStatsStore.inSequence(partitionsInTurn, 1)
        .thenApply(passes -> passes.stream().reduce(Pass.NONE, Pass::plus));
  }

  private CompletionStage<Pass> compactPartition(int partition, Instant now) {
    byte[] hot = RedisKeys.hotStats(partition);
    return redis.smembers(hot).thenCompose(members -> {
      List<byte[]> past = pastHours(members, now);
      int leftHot = members.size() - past.size();
      List<Supplier<CompletionStage<Long>>> calls = new ArrayList<>();
      for (int from = 0; from < past.size(); from += HASHES_PER_CALL) {
        ScriptArgs<CompactStats> call = ScriptArgs.of(CompactStats.class).set(CompactStats.HOT_STATS, hot);
        past.subList(from, Math.min(past.size(), from + HASHES_PER_CALL))
            .forEach(key -> call.add(CompactStats.HASHES, key));
        calls.add(() -> COMPACT.run(redis, ScriptOutputType.INTEGER, call));
      }
      return RedisStatsStore.inSequence(calls, 1)
          .thenApply(counts -> new Pass((int) counts.stream().mapToLong(Long::longValue).sum(), leftHot));
    });
  }

  /** The members whose hour ended GRACE before now; a member without an hour label is past too. */
  private static List<byte[]> pastHours(Set<byte[]> members, Instant now) {
    Instant cutoff = now.minus(GRACE).minus(Duration.ofHours(1));
    List<byte[]> past = new ArrayList<>();
    for (byte[] member : members) {
      String key = new String(member, StandardCharsets.UTF_8);
      Instant hour = StatsFormat.hourOfLabelled(key);
      if (hour == null || !hour.isAfter(cutoff)) {
        past.add(member);
      }
    }
    return past;
  }
}
