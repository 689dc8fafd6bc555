package io.kcid.server.store.redis;

import io.kcid.server.store.VelocityCounter;
import io.kcid.server.store.redis.Scripts.CountVelocity;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletionStage;

/** Velocity windows under the account's hash tag (see {@code count_velocity.lua}). */
public final class RedisVelocityCounter implements VelocityCounter {
  private static final LuaScript<CountVelocity> COUNT = LuaScript.load(Scripts.COUNT_VELOCITY);

  private final RedisClusterAsyncCommands<byte[], byte[]> redis;

  public RedisVelocityCounter(RedisClusterAsyncCommands<byte[], byte[]> redis) {
    this.redis = redis;
  }

  @Override
  public CompletionStage<Long> count(String accountId, int networkDigest, String member, Instant now, Duration window) {
    return Stages.translate(COUNT.<Long>run(redis, ScriptOutputType.INTEGER, ScriptArgs.of(CountVelocity.class)
        .set(CountVelocity.WINDOW, RedisKeys.velocityWindow(accountId, networkDigest))
        .set(CountVelocity.MEMBER, member)
        .set(CountVelocity.NOW_MS, Long.toString(now.toEpochMilli()))
        .set(CountVelocity.WINDOW_MS, Long.toString(window.toMillis()))));
  }
}
