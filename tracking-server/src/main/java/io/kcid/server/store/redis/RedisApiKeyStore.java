package io.kcid.server.store.redis;

import static io.kcid.server.store.redis.RedisKeys.bytes;

import com.google.protobuf.InvalidProtocolBufferException;
import io.kcid.proto.tracking.v1.ApiKey;
import io.kcid.server.store.ApiKeyStore;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * All API keys in one hash, {@code kc:{keys}}: name -&gt; {@code <sha256 hex>\0<ApiKey protobuf>}.
 * One hash keeps create (HSETNX) and revoke (HDEL) single atomic commands and lets a server load
 * the whole table with one HGETALL.
 */
public final class RedisApiKeyStore implements ApiKeyStore {
  private final RedisClusterAsyncCommands<byte[], byte[]> redis;

  public RedisApiKeyStore(RedisClusterAsyncCommands<byte[], byte[]> redis) {
    this.redis = redis;
  }

  @Override
  public CompletionStage<Boolean> create(StoredApiKey key) {
    return Stages.translate(redis.hsetnx(RedisKeys.apiKeys(), bytes(key.key().getName()), encode(key)));
  }

  @Override
  public CompletionStage<List<StoredApiKey>> list() {
    return Stages.translate(
        redis
            .hgetall(RedisKeys.apiKeys())
            .thenApply(
                all -> {
                  List<StoredApiKey> keys = new ArrayList<>(all.size());
                  for (Map.Entry<byte[], byte[]> entry : all.entrySet()) {
                    keys.add(decode(entry.getValue()));
                  }
                  keys.sort(Comparator.comparing(k -> k.key().getName()));
                  return keys;
                }));
  }

  @Override
  public CompletionStage<Boolean> revoke(String name) {
    return Stages.translate(redis.hdel(RedisKeys.apiKeys(), bytes(name)).thenApply(n -> n > 0));
  }

  static byte[] encode(StoredApiKey key) {
    byte[] head = (key.digest() + "\0").getBytes(StandardCharsets.US_ASCII);
    byte[] body = key.key().toByteArray();
    byte[] value = new byte[head.length + body.length];
    System.arraycopy(head, 0, value, 0, head.length);
    System.arraycopy(body, 0, value, head.length, body.length);
    return value;
  }

  static StoredApiKey decode(byte[] value) {
    int sep = 0;
    while (sep < value.length && value[sep] != 0) {
      sep++;
    }
    if (sep == value.length) {
      throw new IllegalStateException("Corrupt API key record");
    }
    try {
      return new StoredApiKey(
          new String(value, 0, sep, StandardCharsets.US_ASCII),
          ApiKey.parseFrom(java.nio.ByteBuffer.wrap(value, sep + 1, value.length - sep - 1)));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("Corrupt API key record", e);
    }
  }
}
