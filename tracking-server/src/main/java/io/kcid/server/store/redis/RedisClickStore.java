package io.kcid.server.store.redis;

import com.google.protobuf.InvalidProtocolBufferException;
import io.kcid.core.kcid.DecodedKcid;
import io.kcid.proto.tracking.v1.Click;
import io.kcid.server.store.ClickStore;
import io.kcid.server.store.StoredClick;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Clicks as one string each: {@code <account>\0<campaign>\0<Click protobuf>}. Owner and campaign
 * come first so the record script can check them without decoding protobuf in Lua; kcid and
 * partition are not stored (they are the key).
 */
public final class RedisClickStore implements ClickStore {
  private static final LuaScript INSERT = LuaScript.fromClasspath("/lua/insert_click.lua");

  private final RedisClusterAsyncCommands<byte[], byte[]> redis;

  public RedisClickStore(RedisClusterAsyncCommands<byte[], byte[]> redis) {
    this.redis = redis;
  }

  @Override
  public CompletionStage<Boolean> insert(
      DecodedKcid kcid, String accountId, Click click, Duration ttl) {
    byte[] value = encode(accountId, click.getCampaignId(), click.toBuilder().clearKcid().clearPartition().build());
    return Stages.translate(
        redis
            .set(RedisKeys.click(kcid.partition(), kcid.kcid()), value,
                SetArgs.Builder.nx().px(ttl.toMillis()))
            .thenApply("OK"::equals));
  }

  @Override
  public CompletionStage<PreMintedInsert> insertPreMinted(
      DecodedKcid kcid, String accountId, Click click, Duration ttl) {
    Click body = click.toBuilder().clearKcid().clearPartition().build();
    CompletionStage<List<Object>> inserted =
        INSERT.run(
            redis,
            ScriptOutputType.MULTI,
            new byte[][] {RedisKeys.click(kcid.partition(), kcid.kcid())},
            encode(accountId, click.getCampaignId(), body),
            Long.toString(ttl.toMillis()).getBytes(StandardCharsets.US_ASCII));
    return Stages.translate(
        inserted.thenApply(
            reply -> {
              if (((Long) reply.get(0)) == 1L) {
                return PreMintedInsert.INSERTED;
              }
              StoredClick stored = decode(kcid, (byte[]) reply.get(1));
              return stored.accountId().equals(accountId) && sameClick(stored.click(), click, kcid)
                  ? PreMintedInsert.ALREADY_STORED
                  : PreMintedInsert.CONFLICT;
            }));
  }

  /** Equal but for the expiry, which follows the account's retention at insert time. */
  private static boolean sameClick(Click stored, Click candidate, DecodedKcid kcid) {
    Click normalized =
        candidate.toBuilder().setKcid(kcid.kcid()).setPartition(kcid.partition()).clearExpireTime().build();
    return stored.toBuilder().clearExpireTime().build().equals(normalized);
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
