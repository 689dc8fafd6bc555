package io.kcid.server.store.redis;

import io.kcid.server.store.VerifierChanges;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * {@link VerifierChanges} as one Redis stream, {@code kc:{verifiers}:changes}, field {@code a} =
 * account id, trimmed to about {@value #MAX_LENGTH} entries. Servers read it with non-blocking
 * XREAD from their last position (a stream, not pub/sub: a server that missed a moment, a
 * reconnect or a failover reads what it missed; a trimmed-away change is caught by the edges' slow
 * full refresh).
 */
public final class RedisVerifierChanges implements VerifierChanges {
  static final byte[] KEY = RedisKeys.bytes("kc:{verifiers}:changes");
  private static final byte[] FIELD = RedisKeys.bytes("a");
  static final long MAX_LENGTH = 10_000;

  private final RedisClusterAsyncCommands<byte[], byte[]> redis;

  public RedisVerifierChanges(RedisClusterAsyncCommands<byte[], byte[]> redis) {
    this.redis = redis;
  }

  @Override
  public CompletionStage<Void> publish(String accountId) {
    return Stages.translate(
        redis
            .xadd(KEY, XAddArgs.Builder.maxlen(MAX_LENGTH).approximateTrimming(), Map.of(FIELD, RedisKeys.bytes(accountId)))
            .thenApply(id -> null));
  }

  @Override
  public CompletionStage<String> tail() {
    return Stages.translate(
        redis
            .xrevrange(KEY, Range.unbounded(), Limit.from(1))
            .thenApply(messages -> messages.isEmpty() ? "0-0" : messages.get(0).getId()));
  }

  @Override
  public CompletionStage<Batch> after(String position, int count) {
    return Stages.translate(
        redis
            .xread(XReadArgs.Builder.count(count), XReadArgs.StreamOffset.from(KEY, position))
            .thenApply(
                messages -> {
                  List<String> accounts = new ArrayList<>(messages.size());
                  String last = position;
                  for (StreamMessage<byte[], byte[]> message : messages) {
                    last = message.getId();
                    byte[] account = null;
                    // Map keys are byte arrays (identity hash): find the field by content.
                    for (Map.Entry<byte[], byte[]> field : message.getBody().entrySet()) {
                      if (java.util.Arrays.equals(field.getKey(), FIELD)) {
                        account = field.getValue();
                      }
                    }
                    if (account != null) {
                      accounts.add(new String(account, StandardCharsets.UTF_8));
                    }
                  }
                  return new Batch(last, accounts);
                }));
  }
}
