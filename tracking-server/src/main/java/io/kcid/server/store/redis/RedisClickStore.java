package io.kcid.server.store.redis;

import com.google.protobuf.InvalidProtocolBufferException;
import io.kcid.core.kcid.DecodedKcid;
import io.kcid.proto.tracking.v1.Click;
import io.kcid.server.store.ClickStore;
import io.kcid.server.store.StoredClick;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Clicks as one string each: {@code <account>\0<campaign>\0<Click protobuf>}. Owner and campaign
 * come first so the record script can check them without decoding protobuf in Lua; kcid and
 * partition are not stored (they are the key). A click is counted in its hour's stats hash in the
 * same script that stores it ({@code insert_click.lua}).
 */
public final class RedisClickStore implements ClickStore {
  private static final LuaScript INSERT = LuaScript.fromClasspath("/lua/insert_click.lua");
  /** Default stats retention (KCID_STATS_RETENTION). */
  public static final Duration DEFAULT_STATS_RETENTION = Duration.ofDays(400);

  private final RedisClusterAsyncCommands<byte[], byte[]> redis;
  private final Duration statsRetention;

  public RedisClickStore(RedisClusterAsyncCommands<byte[], byte[]> redis) {
    this(redis, DEFAULT_STATS_RETENTION);
  }

  public RedisClickStore(RedisClusterAsyncCommands<byte[], byte[]> redis, Duration statsRetention) {
    this.redis = redis;
    this.statsRetention = statsRetention;
  }

  @Override
  public CompletionStage<Boolean> insert(
      DecodedKcid kcid, String accountId, Click click, Duration ttl) {
    byte[] value = encode(accountId, click.getCampaignId(), click.toBuilder().clearKcid().clearPartition().build());
    Instant hour = StatsFormat.hourOf(
        Instant.ofEpochSecond(click.getClickTime().getSeconds(), click.getClickTime().getNanos()));
    byte[][] keys = {
      RedisKeys.click(kcid.partition(), kcid.kcid()),
      RedisKeys.stats(kcid.partition(), accountId, hour)
    };
    return Stages.translate(
        INSERT.<Long>run(redis, ScriptOutputType.INTEGER, keys,
                value,
                RedisKeys.bytes(Long.toString(ttl.toMillis())),
                RedisKeys.bytes(StatsFormat.clickField(click.getCampaignId(), click.getSubIdsOrDefault("s1", ""))),
                RedisKeys.bytes(Long.toString(StatsFormat.expireAtMillis(hour, statsRetention))))
            .thenApply(stored -> stored == 1L));
  }

  @Override
  public CompletionStage<Optional<StoredClick>> find(DecodedKcid kcid) {
    return Stages.translate(
        redis
            .get(RedisKeys.click(kcid.partition(), kcid.kcid()))
            .thenApply(value -> Optional.ofNullable(value).map(v -> decode(kcid, v))));
  }

  static byte[] encode(String accountId, String campaignId, Click click) {
    byte[] head = (accountId + "\0" + campaignId + "\0").getBytes(StandardCharsets.UTF_8);
    byte[] body = click.toByteArray();
    byte[] value = new byte[head.length + body.length];
    System.arraycopy(head, 0, value, 0, head.length);
    System.arraycopy(body, 0, value, head.length, body.length);
    return value;
  }

  private static int indexOfZero(byte[] value, int from) {
    for (int i = from; i < value.length; i++) {
      if (value[i] == 0) {
        return i;
      }
    }
    return -1;
  }

  static StoredClick decode(DecodedKcid kcid, byte[] value) {
    int sep = indexOfZero(value, 0);
    int body = indexOfZero(value, sep + 1);
    if (sep < 0 || body < 0) {
      throw new IllegalStateException("Corrupt click record for partition " + kcid.partition());
    }
    String owner = new String(value, 0, sep, StandardCharsets.UTF_8);
    sep = body;
    try {
      Click click =
          Click.parseFrom(java.nio.ByteBuffer.wrap(value, sep + 1, value.length - sep - 1))
              .toBuilder()
              .setKcid(kcid.kcid())
              .setPartition(kcid.partition())
              .setAccountId(owner)
              .build();
      return new StoredClick(owner, click);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("Corrupt click record", e);
    }
  }
}
