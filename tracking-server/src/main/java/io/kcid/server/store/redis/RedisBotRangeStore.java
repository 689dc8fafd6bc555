package io.kcid.server.store.redis;

import io.kcid.server.store.BotRangeStore;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletionStage;

/** The operator's IP lists as one Redis set per kind ({@code kc:bots:<kind>}). */
public final class RedisBotRangeStore implements BotRangeStore {
  private final RedisClusterAsyncCommands<byte[], byte[]> redis;

  public RedisBotRangeStore(RedisClusterAsyncCommands<byte[], byte[]> redis) {
    this.redis = redis;
  }

  @Override
  public CompletionStage<Long> add(String kind, Collection<String> cidrs) {
    if (cidrs.isEmpty()) {
      return java.util.concurrent.CompletableFuture.completedFuture(0L);
    }
    byte[][] members = cidrs.stream().map(RedisKeys::bytes).toArray(byte[][]::new);
    return Stages.translate(redis.sadd(RedisKeys.botRanges(kind), members)
        .thenCompose(added -> redis.incr(RedisKeys.botRangesVersion()).thenApply(v -> added)));
  }

  @Override
  public CompletionStage<Set<String>> list(String kind) {
    return Stages.translate(redis.smembers(RedisKeys.botRanges(kind)).thenApply(members -> {
      Set<String> out = new TreeSet<>();
      members.forEach(m -> out.add(new String(m, StandardCharsets.UTF_8)));
      return out;
    }));
  }

  @Override
  public CompletionStage<Long> clear(String kind) {
    byte[] key = RedisKeys.botRanges(kind);
    return Stages.translate(redis.scard(key).thenCompose(n -> redis.del(key)
        .thenCompose(x -> redis.incr(RedisKeys.botRangesVersion())).thenApply(v -> n)));
  }

  @Override
  public CompletionStage<Long> version() {
    return Stages.translate(redis.get(RedisKeys.botRangesVersion())
        .thenApply(v -> v == null ? 0L : Long.parseLong(new String(v, StandardCharsets.US_ASCII))));
  }
}
