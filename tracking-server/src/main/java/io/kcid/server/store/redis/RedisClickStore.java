package io.kcid.server.store.redis;

import com.google.protobuf.InvalidProtocolBufferException;
import io.kcid.core.kcid.DecodedKcid;
import io.kcid.proto.tracking.v1.Click;
import io.kcid.server.store.ClickErasure;
import io.kcid.server.store.ClickStore;
import io.kcid.server.store.StoredClick;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Clicks as one string each: {@code <account>\0<campaign>\0<Click protobuf>}. Owner and campaign
 * come first so the record script can check them without decoding protobuf in Lua; kcid and
 * partition are not stored (they are the key). A click is counted in its hour's stats hash in the
 * same script that stores it ({@code insert_click.lua}).
 */
public final class RedisClickStore implements ClickStore {
  private static final LuaScript DELETE = LuaScript.fromClasspath("/lua/delete_click.lua");
  private static final LuaScript INSERT = LuaScript.fromClasspath("/lua/insert_click.lua");
  /** Default stats retention (KCID_STATS_RETENTION). */
  public static final Duration DEFAULT_STATS_RETENTION = Duration.ofDays(400);

  private final RedisClusterAsyncCommands<byte[], byte[]> redis;
  private final DurableWrites durable;
  private final Duration statsRetention;

  public RedisClickStore(RedisClusterAsyncCommands<byte[], byte[]> redis) {
    this(redis, DEFAULT_STATS_RETENTION);
  }

  public RedisClickStore(RedisClusterAsyncCommands<byte[], byte[]> redis, Duration statsRetention) {
    this(redis, DurableWrites.unreplicated(redis), statsRetention);
  }

  /** Inserts and erasures go through {@code durable}: acknowledged once replicated, if so configured. */
  public RedisClickStore(
      RedisClusterAsyncCommands<byte[], byte[]> redis, DurableWrites durable, Duration statsRetention) {
    this.redis = redis;
    this.durable = durable;
    this.statsRetention = statsRetention;
  }

  @Override
  public CompletionStage<Boolean> insert(
      DecodedKcid kcid, String accountId, Click click, Duration ttl) {
    return Stages.translate(store(kcid, accountId, click, ttl).thenApply(reply -> ((Long) reply.get(0)) == 1L));
  }

  @Override
  public CompletionStage<PreMintedInsert> insertPreMinted(
      DecodedKcid kcid, String accountId, Click click, Duration ttl) {
    return Stages.translate(
        store(kcid, accountId, click, ttl).thenApply(
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

  /** Inserts the click unless its kcid is taken, counting it in its hour's stats when stored. */
  private CompletionStage<List<Object>> store(DecodedKcid kcid, String accountId, Click click, Duration ttl) {
    byte[] value = encode(accountId, click.getCampaignId(), click.toBuilder().clearKcid().clearPartition().build());
    Instant hour = StatsFormat.hourOf(
        Instant.ofEpochSecond(click.getClickTime().getSeconds(), click.getClickTime().getNanos()));
    byte[][] keys = {
      RedisKeys.click(kcid.partition(), kcid.kcid()),
      RedisKeys.stats(kcid.partition(), accountId, hour)
    };
    return durable.<List<Object>>run(INSERT, ScriptOutputType.MULTI, keys,
        value,
        RedisKeys.bytes(Long.toString(ttl.toMillis())),
        RedisKeys.bytes(StatsFormat.clickField(click.getCampaignId(), click.getSubIdsOrDefault("s1", ""))),
        RedisKeys.bytes(Long.toString(StatsFormat.expireAtMillis(hour, statsRetention))));
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

  @Override
  public CompletionStage<Optional<ClickErasure>> delete(DecodedKcid kcid) {
    int p = kcid.partition();
    return Stages.translate(
        durable.<List<Object>>run(
                DELETE,
                ScriptOutputType.MULTI,
                new byte[][] {
                  RedisKeys.click(p, kcid.kcid()), RedisKeys.clickState(p, kcid.kcid()), RedisKeys.stream(p),
                  RedisKeys.clickAttempts(p, kcid.kcid())
                },
                RedisKeys.bytes(RedisKeys.conversionPrefix(p, kcid.kcid())),
                RedisKeys.bytes(RedisKeys.historyPrefix(p, kcid.kcid())),
                RedisKeys.bytes(RedisKeys.requestPrefix(p, kcid.kcid())))
            .thenApply(RedisClickStore::erasure));
  }

  private static Optional<ClickErasure> erasure(List<Object> reply) {
    if (((Long) reply.get(0)) == 0L) {
      return Optional.empty();
    }
    List<ClickErasure.Transaction> transactions = new ArrayList<>();
    for (int i = 3; i + 1 < reply.size(); i += 2) {
      transactions.add(new ClickErasure.Transaction(text(reply.get(i)), text(reply.get(i + 1))));
    }
    return Optional.of(new ClickErasure((Long) reply.get(1), text(reply.get(2)), transactions));
  }

  private static String text(Object value) {
    return value instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(value);
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
