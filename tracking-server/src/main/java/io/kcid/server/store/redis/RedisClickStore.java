package io.kcid.server.store.redis;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import io.kcid.core.kcid.DecodedKcid;
import io.kcid.proto.tracking.v1.Click;
import io.kcid.proto.tracking.v1.ClickFlag;
import io.kcid.server.common.Secrets;
import io.kcid.server.store.ClickErasure;
import io.kcid.server.store.ClickStore;
import io.kcid.server.store.StoredClick;
import io.kcid.server.store.redis.Scripts.DeleteClick;
import io.kcid.server.store.redis.Scripts.FindClicks;
import io.kcid.server.store.redis.Scripts.InsertClicks;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Clicks as fields of small per-partition, per-hour hashes that split as they fill ({@code
 * lib_clicks.lua}): a click costs its record and a few bytes of listpack framing instead of a key's
 * ~100 bytes of overhead. What the kcid carries (kcid, partition, click time) is not stored, nor the
 * expiry (issue time + lifetime). A click's context — owner, campaign, creative, placement, landing
 * page, which repeat across clicks — is interned once per group and referenced by 8 bytes of its
 * digest; its sub ids are stored with it. A click is counted in its hour's stats hash in the same
 * script that stores it ({@code insert_clicks.lua}).
 *
 * <p>Inserts are grouped per partition without a timer ({@link Batches}): a click arriving while
 * its partition has no insert in flight goes out alone at once; those arriving meanwhile go out
 * together in one script call when it answers. A busy server so pays Redis' per-call cost, the
 * group header reads and the counter updates once per batch instead of once per click.
 */
public final class RedisClickStore implements ClickStore {
  private static final LuaScript<DeleteClick> DELETE = LuaScript.load(Scripts.DELETE_CLICK);
  private static final LuaScript<InsertClicks> INSERT = LuaScript.load(Scripts.INSERT_CLICKS);
  /** Clicks per script call, at most, so that no call holds Redis for long. */
  static final int MAX_BATCH = 32;
  /**
   * Partitions written at once before new clicks join a partition's next batch (they are steered
   * there by {@link #partitionForNewClick}): enough to keep Redis busy while a batch's answer
   * travels back, few enough that a busy moment's clicks form batches of several.
   */
  static final int CONCURRENT_PARTITIONS = 4;
  private static final LuaScript<FindClicks> FIND = LuaScript.load(Scripts.FIND_CLICKS);
  /** Clicks per read call, at most. */
  static final int MAX_FIND_BATCH = 64;
  /** Default stats retention (KCID_STATS_RETENTION). */
  public static final Duration DEFAULT_STATS_RETENTION = Duration.ofDays(400);
  /**
   * Average clicks per bucket before the group splits one more. A bucket not split yet in the
   * current round holds up to twice that, so 40 keeps buckets (+ chance) under 128 fields: a
   * listpack under Redis' limit (512 by default, 128 where an operator lowers it for the stats
   * hashes, see docs/DEPLOYMENT.md), past which a hash turns into a far larger hash table.
   */
  static final int DEFAULT_BUCKET_CAPACITY = 40;

  private final RedisClusterAsyncCommands<byte[], byte[]> redis;
  private final DurableWrites durable;
  private final Duration statsRetention;
  private final byte[] bucketCapacity;
  private final Clock clock;
  private final Batches<ClickWrite, Object> inserts = new Batches<>(MAX_BATCH, this::insertBatch);
  /**
   * Reads are grouped per partition as inserts are: a read while the partition has none in flight
   * goes out alone at once, the ones arriving meanwhile (a claimed batch of deliveries reading
   * their clicks, concurrent postbacks' velocity checks) go out together in one call.
   */
  private final Batches<DecodedKcid, Object> finds = new Batches<>(MAX_FIND_BATCH, this::findBatch);

  public RedisClickStore(RedisClusterAsyncCommands<byte[], byte[]> redis) {
    this(redis, DEFAULT_STATS_RETENTION);
  }

  public RedisClickStore(RedisClusterAsyncCommands<byte[], byte[]> redis, Duration statsRetention) {
    this(redis, DurableWrites.unreplicated(redis), statsRetention);
  }

  /** Inserts and erasures go through {@code durable}: acknowledged once replicated, if so configured. */
  public RedisClickStore(
      RedisClusterAsyncCommands<byte[], byte[]> redis, DurableWrites durable, Duration statsRetention) {
    this(redis, durable, statsRetention, DEFAULT_BUCKET_CAPACITY, Clock.systemUTC());
  }

  RedisClickStore(
      RedisClusterAsyncCommands<byte[], byte[]> redis, DurableWrites durable, Duration statsRetention,
      int bucketCapacity, Clock clock) {
    this.redis = redis;
    this.durable = durable;
    this.statsRetention = statsRetention;
    this.bucketCapacity = RedisKeys.bytes(Integer.toString(bucketCapacity));
    this.clock = clock;
  }

  @Override
  public CompletionStage<Boolean> insert(
      DecodedKcid kcid, String accountId, Click click, Duration ttl) {
    return Stages.translate(store(kcid, accountId, click, ttl).thenApply(reply -> reply instanceof Long));
  }

  @Override
  public int partitionForNewClick(int partitions) {
    return inserts.choose(partitions, CONCURRENT_PARTITIONS);
  }

  @Override
  public CompletionStage<PreMintedInsert> insertPreMinted(
      DecodedKcid kcid, String accountId, Click click, Duration ttl) {
    return Stages.translate(
        store(kcid, accountId, click, ttl).thenApply(
            reply -> {
              if (reply instanceof Long) {
                return PreMintedInsert.INSERTED;
              }
              StoredClick stored = decode(kcid, (byte[]) reply);
              return stored.accountId().equals(accountId) && sameClick(stored.click(), click, kcid)
                  ? PreMintedInsert.ALREADY_STORED
                  : PreMintedInsert.CONFLICT;
            }));
  }

  /** One click's part of an insert_clicks.lua call. */
  private record ClickWrite(byte[] group, byte[] stats, byte[] dimensions, byte[] field, String lifetime,
      byte[] context, byte[] contextRef, byte[] subIds, String groupExpiresMs, String statsCounter,
      String statsExpiresMs, String campaign, String clickDimensions) {}

  /**
   * Inserts the click unless its kcid is taken, counting it in its hour's stats when stored.
   * Completes with 1 when stored, else with the stored record (inline form).
   */
  private CompletionStage<Object> store(DecodedKcid kcid, String accountId, Click click, Duration ttl) {
    long issued = kcid.issueTime().getEpochSecond();
    long expires = click.hasExpireTime()
        ? click.getExpireTime().getSeconds() + (click.getExpireTime().getNanos() > 0 ? 1 : 0)
        : ceilSeconds(Duration.ofMillis(clock.millis()).plus(ttl));
    long lifetime = Math.max(1, expires - issued);
    byte[] context = context(accountId, click);
    long groupExpiresMs = (issued / 3600 + 1) * 3_600_000L + lifetime * 1000;
    Instant hour = StatsFormat.hourOf(
        Instant.ofEpochSecond(click.getClickTime().getSeconds(), click.getClickTime().getNanos()));
    ClickWrite write = new ClickWrite(
        RedisKeys.clickGroup(kcid),
        RedisKeys.stats(kcid.partition(), accountId, hour),
        RedisKeys.dimensions(kcid.partition(), accountId, hour),
        RedisKeys.clickField(kcid),
        Long.toString(lifetime),
        context,
        reference(context),
        perClick(click, kcid),
        Long.toString(groupExpiresMs),
        click.getFlag() == ClickFlag.CLICK_FLAG_UNSPECIFIED ? StatsFormat.CLICKS : StatsFormat.FLAGGED_CLICKS,
        Long.toString(StatsFormat.expireAtMillis(hour, statsRetention)),
        click.getCampaignId(),
        StatsFormat.clickDimensions(click));
    return inserts.submit(kcid.partition(), write);
  }

  /** One script call for a partition's batch; the keys the clicks name are declared once each. */
  private CompletionStage<List<Object>> insertBatch(int partition, List<ClickWrite> batch) {
    ScriptArgs<InsertClicks> call = ScriptArgs.of(InsertClicks.class)
        .set(InsertClicks.SLOT_GUARD, RedisKeys.noRequest(partition))
        .set(InsertClicks.HOT_STATS, RedisKeys.hotStats(partition))
        .set(InsertClicks.BUCKET_CAPACITY, bucketCapacity);
    DeclaredKeys<InsertClicks> keys = new DeclaredKeys<>(call, InsertClicks.HASHES, 3); // after the two single keys
    for (ClickWrite w : batch) {
      call.add(InsertClicks.CLICKS, keys.indexOf(w.group()))
          .add(InsertClicks.CLICKS, keys.indexOf(w.stats()))
          .add(InsertClicks.CLICKS, keys.indexOf(w.dimensions()))
          .add(InsertClicks.CLICKS, w.field())
          .add(InsertClicks.CLICKS, w.lifetime())
          .add(InsertClicks.CLICKS, w.context())
          .add(InsertClicks.CLICKS, w.contextRef())
          .add(InsertClicks.CLICKS, w.subIds())
          .add(InsertClicks.CLICKS, w.groupExpiresMs())
          .add(InsertClicks.CLICKS, w.statsCounter())
          .add(InsertClicks.CLICKS, w.statsExpiresMs())
          .add(InsertClicks.CLICKS, w.campaign())
          .add(InsertClicks.CLICKS, w.clickDimensions());
    }
    return durable.run(INSERT, ScriptOutputType.MULTI, call);
  }

  private static long ceilSeconds(Duration d) {
    return d.getSeconds() + (d.getNano() > 0 ? 1 : 0);
  }

  /**
   * Equal but for the expiry, which follows the account's retention at insert time, and the fraud
   * marks, which follow the operator's lists and the account's rules at that time.
   */
  private static boolean sameClick(Click stored, Click candidate, DecodedKcid kcid) {
    Click normalized = candidate.toBuilder().setKcid(kcid.kcid()).setPartition(kcid.partition())
        .clearExpireTime().clearFlag().clearSourceNetwork().build();
    return stored.toBuilder().clearExpireTime().clearFlag().clearSourceNetwork().build().equals(normalized);
  }

  @Override
  public CompletionStage<Optional<StoredClick>> find(DecodedKcid kcid) {
    return finds.submit(kcid.partition(), kcid)
        .thenApply(value -> Optional.ofNullable((byte[]) value)
            .map(v -> decode(kcid, v))
            // Its bucket lives up to an hour longer than the click itself.
            .filter(c -> c.liveAt(clock.instant())));
  }

  /** One find_clicks.lua call for a partition's batch; each click's group is declared once. */
  private CompletionStage<List<Object>> findBatch(int partition, List<DecodedKcid> batch) {
    ScriptArgs<FindClicks> call = ScriptArgs.of(FindClicks.class)
        .set(FindClicks.SLOT_GUARD, RedisKeys.noRequest(partition));
    DeclaredKeys<FindClicks> groups = new DeclaredKeys<>(call, FindClicks.GROUPS, 2); // after the slot guard
    for (DecodedKcid kcid : batch) {
      call.add(FindClicks.CLICKS, groups.indexOf(RedisKeys.clickGroup(kcid)))
          .add(FindClicks.CLICKS, RedisKeys.clickField(kcid));
    }
    return Stages.translate(FIND.<List<Object>>run(redis, ScriptOutputType.MULTI, call));
  }

  @Override
  public CompletionStage<Optional<ClickErasure>> delete(DecodedKcid kcid) {
    int p = kcid.partition();
    return Stages.translate(
        durable.<List<Object>, DeleteClick>run(DELETE, ScriptOutputType.MULTI, ScriptArgs.of(DeleteClick.class)
                .set(DeleteClick.CLICK_GROUP, RedisKeys.clickGroup(kcid))
                .set(DeleteClick.CLICK_STATE, RedisKeys.clickState(p, kcid.kcid()))
                .set(DeleteClick.STREAM, RedisKeys.stream(p))
                .set(DeleteClick.LEGACY_ATTEMPTS, RedisKeys.legacyClickAttempts(p, kcid.kcid()))
                .set(DeleteClick.SLOT_GUARD, RedisKeys.noRequest(p))
                .set(DeleteClick.LEGACY_CONVERSION_PREFIX, RedisKeys.legacyConversionPrefix(p, kcid.kcid()))
                .set(DeleteClick.HISTORY_PREFIX, RedisKeys.historyPrefix(p, kcid.kcid()))
                .set(DeleteClick.REQUEST_PREFIX, RedisKeys.requestPrefix(p, kcid.kcid()))
                .set(DeleteClick.CLICK_FIELD, RedisKeys.clickField(kcid)))
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

  /** {@code <account>\0<campaign>\0<Click: creative, placement, landing page>}: what repeats. */
  static byte[] context(String accountId, Click click) {
    byte[] head = (accountId + "\0" + click.getCampaignId() + "\0").getBytes(StandardCharsets.UTF_8);
    byte[] body = Click.newBuilder()
        .setCreativeId(click.getCreativeId())
        .setPlacementId(click.getPlacementId())
        .setDestinationUrl(click.getDestinationUrl())
        .build()
        .toByteArray();
    byte[] context = new byte[head.length + body.length];
    System.arraycopy(head, 0, context, 0, head.length);
    System.arraycopy(body, 0, context, head.length, body.length);
    return context;
  }

  /**
   * What is the click's own: its sub ids, its click time when the kcid's does not say it, and its
   * fraud marks (flag: 2 bytes, only on a flagged click; network digest: 5 bytes, only while the
   * account's velocity rule is on). The record script reads the flag (lib_stats.lua).
   */
  static byte[] perClick(Click click, DecodedKcid kcid) {
    Click.Builder own = Click.newBuilder().putAllSubIds(click.getSubIdsMap())
        .setFlag(click.getFlag()).setSourceNetwork(click.getSourceNetwork());
    if (click.hasClickTime() && (click.getClickTime().getSeconds() != kcid.issueTime().getEpochSecond()
        || click.getClickTime().getNanos() != 0)) {
      own.setClickTime(click.getClickTime());
    }
    return own.build().toByteArray();
  }

  /** 8 bytes of the context's digest; the script checks the interned bytes, so a collision is harmless. */
  static byte[] reference(byte[] context) {
    return Arrays.copyOf(Secrets.sha256(context), 8);
  }

  private static int indexOfZero(byte[] value, int from) {
    for (int i = from; i < value.length; i++) {
      if (value[i] == 0) {
        return i;
      }
    }
    return -1;
  }

  /** A record in its inline form: {@code <lifetime s>\0<account>\0<campaign>\0<Click protobuf>}. */
  static StoredClick decode(DecodedKcid kcid, byte[] record) {
    int lifetimeEnd = indexOfZero(record, 0);
    int ownerEnd = lifetimeEnd < 0 ? -1 : indexOfZero(record, lifetimeEnd + 1);
    int campaignEnd = ownerEnd < 0 ? -1 : indexOfZero(record, ownerEnd + 1);
    if (campaignEnd < 0) {
      throw new IllegalStateException("Corrupt click record in partition " + kcid.partition());
    }
    try {
      long lifetime = Long.parseLong(new String(record, 0, lifetimeEnd, StandardCharsets.US_ASCII));
      String owner = new String(record, lifetimeEnd + 1, ownerEnd - lifetimeEnd - 1, StandardCharsets.UTF_8);
      String campaign = new String(record, ownerEnd + 1, campaignEnd - ownerEnd - 1, StandardCharsets.UTF_8);
      // Context fields and the click's own, two encodings back to back: protobuf merges them.
      Click.Builder click = Click.parseFrom(
              java.nio.ByteBuffer.wrap(record, campaignEnd + 1, record.length - campaignEnd - 1))
          .toBuilder()
          .setKcid(kcid.kcid())
          .setPartition(kcid.partition())
          .setAccountId(owner)
          .setCampaignId(campaign)
          .setExpireTime(Timestamp.newBuilder().setSeconds(kcid.issueTime().getEpochSecond() + lifetime));
      if (!click.hasClickTime()) {
        click.setClickTime(Timestamp.newBuilder().setSeconds(kcid.issueTime().getEpochSecond()));
      }
      return new StoredClick(owner, click.build());
    } catch (InvalidProtocolBufferException | NumberFormatException e) {
      throw new IllegalStateException("Corrupt click record in partition " + kcid.partition(), e);
    }
  }
}
