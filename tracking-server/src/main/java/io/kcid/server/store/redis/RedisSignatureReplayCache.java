package io.kcid.server.store.redis;

import static io.kcid.server.store.redis.RedisKeys.bytes;

import io.kcid.server.store.SignatureReplayCache;
import io.kcid.server.store.redis.Scripts.ReleaseSignature;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Used signatures as {@code kc:{a:<id>}:sg:<digest>} keys (see {@link RedisKeys#accountSignature}).
 * The accepted path costs one {@code SET key value NX PX ttl}; only a signature already used costs
 * a second command (the {@code GET} of the first use's value), and only a postback that was not
 * recorded after its claim a third (the release script). Claims are not replicated with WAIT: a
 * claim lost in a failover lets one identical replay reach the record path, where request ids,
 * transaction ids and once-per-click goals still deduplicate it.
 */
public final class RedisSignatureReplayCache implements SignatureReplayCache {
  private static final LuaScript<ReleaseSignature> RELEASE = LuaScript.load(Scripts.RELEASE_SIGNATURE);

  private final RedisClusterAsyncCommands<byte[], byte[]> redis;

  public RedisSignatureReplayCache(RedisClusterAsyncCommands<byte[], byte[]> redis) {
    this.redis = redis;
  }

  @Override
  public CompletionStage<Optional<String>> claim(String accountId, byte[] key, String value, Duration ttl) {
    byte[] redisKey = RedisKeys.accountSignature(accountId, key);
    return Stages.translate(
        redis
            .set(redisKey, bytes(value), SetArgs.Builder.nx().px(Math.max(1, ttl.toMillis())))
            .thenCompose(
                ok -> {
                  if (ok != null) {
                    return CompletableFuture.completedFuture(Optional.<String>empty());
                  }
                  return redis
                      .get(redisKey)
                      .thenApply(first -> Optional.of(first == null ? "" : new String(first, StandardCharsets.UTF_8)));
                }));
  }

  @Override
  public CompletionStage<Void> release(String accountId, byte[] key, String value) {
    return Stages.translate(
        RELEASE.<Long>run(redis, ScriptOutputType.INTEGER, ScriptArgs.of(ReleaseSignature.class)
                .set(ReleaseSignature.SIGNATURE, RedisKeys.accountSignature(accountId, key))
                .set(ReleaseSignature.VALUE, bytes(value)))
            .thenApply(x -> (Void) null));
  }
}
