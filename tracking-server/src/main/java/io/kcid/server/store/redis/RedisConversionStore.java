package io.kcid.server.store.redis;

import static io.kcid.server.store.redis.RedisKeys.bytes;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import io.kcid.core.kcid.DecodedKcid;
import io.kcid.proto.tracking.v1.Conversion;
import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.CountingMode;
import io.kcid.proto.tracking.v1.Money;
import io.kcid.proto.tracking.v1.StatusChange;
import io.kcid.server.store.ConversionStore;
import io.kcid.server.store.RecordCommand;
import io.kcid.server.store.RecordResult;
import io.kcid.server.store.StatusUpdate;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;

/**
 * Conversions recorded by one Lua script per postback (see {@code record_conversion.lua}). A
 * conversion is a hash: {@code p} its immutable protobuf, {@code s} its current status, {@code a}
 * and {@code c} its current value; its audit history is a list beside it.
 */
public final class RedisConversionStore implements ConversionStore {
  private static final LuaScript RECORD =
      LuaScript.fromClasspath("/lua/lib_stats.lua", "/lua/lib_clicks.lua", "/lua/record_conversion.lua");
  private static final LuaScript UPDATE =
      LuaScript.fromClasspath("/lua/lib_stats.lua", "/lua/update_status.lua");
  /** Separates the fields of a history entry (ASCII unit separator). */
  private static final String FIELD = "\u001f";

  private final RedisClusterAsyncCommands<byte[], byte[]> redis;
  private final DurableWrites durable;
  private final long streamMaxLength;
  private final java.time.Duration statsRetention;

  public RedisConversionStore(RedisClusterAsyncCommands<byte[], byte[]> redis, long streamMaxLength) {
    this(redis, streamMaxLength, RedisClickStore.DEFAULT_STATS_RETENTION);
  }

  public RedisConversionStore(
      RedisClusterAsyncCommands<byte[], byte[]> redis, long streamMaxLength, java.time.Duration statsRetention) {
    this(redis, DurableWrites.unreplicated(redis), streamMaxLength, statsRetention);
  }

  /** Records and status changes go through {@code durable}: acknowledged once replicated, if so configured. */
  public RedisConversionStore(RedisClusterAsyncCommands<byte[], byte[]> redis, DurableWrites durable,
      long streamMaxLength, java.time.Duration statsRetention) {
    this.redis = redis;
    this.durable = durable;
    this.streamMaxLength = streamMaxLength;
    this.statsRetention = statsRetention;
  }

  @Override
  public CompletionStage<RecordResult> record(RecordCommand c) {
    return run(c, false);
  }

  @Override
  public CompletionStage<RecordResult> evaluate(RecordCommand c) {
    return run(c, true);
  }

  private CompletionStage<RecordResult> run(RecordCommand c, boolean dryRun) {
    DecodedKcid kcid = c.kcid();
    int p = kcid.partition();
    boolean hasRequest = !c.requestId().isEmpty();
    byte[][] keys = {
      RedisKeys.clickGroup(kcid),
      RedisKeys.clickState(p, kcid.kcid()),
      hasRequest ? RedisKeys.request(p, kcid.kcid(), c.requestId()) : RedisKeys.noRequest(p),
      RedisKeys.stream(p),
      RedisKeys.stats(p, c.requiredAccountId(), StatsFormat.hourOf(c.eventTime())),
      RedisKeys.streamSequence(p)
    };
    byte[][] args = {
      bytes(c.requiredAccountId()),
      bytes(c.goalKey()),
      bytes(modeCode(c.countingMode())),
      bytes(c.transactionId()),
      bytes(c.fingerprint()),
      c.payload(),
      bytes(Long.toString(c.conversionTtl().toMillis())),
      bytes(Long.toString(c.requestIdTtl().toMillis())),
      bytes(Long.toString(streamMaxLength)),
      bytes(Long.toString(c.recordTime().toEpochMilli())),
      bytes(RedisKeys.conversionPrefix(p, kcid.kcid())),
      bytes(kcid.kcid() + "-"),
      bytes(hasRequest ? "1" : "0"),
      bytes(String.join("\n", c.allowedCampaigns())),
      bytes(c.requestedStatus() == ConversionStatus.CONVERSION_STATUS_UNSPECIFIED
          ? "" : Integer.toString(c.requestedStatus().getNumber())),
      bytes(Integer.toString(c.newStatus().getNumber())),
      bytes(c.value().getAmount()),
      bytes(c.value().getCurrencyCode()),
      bytes(RedisKeys.historyPrefix(p, kcid.kcid())),
      bytes(framed(c.transitionSources())),
      bytes(c.test() ? "1" : "0"),
      bytes(c.requestId()),
      bytes(dryRun ? "1" : "0"),
      bytes(Integer.toString(c.timeToConvertBucket())),
      bytes(Long.toString(StatsFormat.expireAtMillis(c.eventTime(), statsRetention))),
      RedisKeys.clickField(kcid),
      bytes(Long.toString(kcid.issueTime().getEpochSecond()))
    };
    // A dry run writes nothing: no replica has anything to confirm.
    CompletionStage<List<Object>> reply = dryRun
        ? RECORD.run(redis, ScriptOutputType.MULTI, keys, args)
        : durable.run(RECORD, ScriptOutputType.MULTI, keys, args);
    return Stages.translate(reply.thenApply(RedisConversionStore::result));
  }

  private static String modeCode(CountingMode mode) {
    return switch (mode) {
      case COUNTING_MODE_ONCE_PER_CLICK -> "1";
      case COUNTING_MODE_EVERY_POSTBACK -> "2";
      case COUNTING_MODE_UNIQUE_TRANSACTION_PER_CLICK -> "3";
      case COUNTING_MODE_UNIQUE_TRANSACTION_PER_ACCOUNT -> "4";
      default -> throw new IllegalArgumentException("No counting mode: " + mode);
    };
  }

  private static String framed(Set<ConversionStatus> statuses) {
    return "," + statuses.stream().map(s -> Integer.toString(s.getNumber())).collect(Collectors.joining(",")) + ",";
  }

  private static RecordResult result(List<Object> reply) {
    String code = text(reply.get(0));
    String id = text(reply.get(1));
    RecordResult.Code outcome =
        switch (code) {
          case "A" -> RecordResult.Code.ACCEPTED;
          case "D1" -> RecordResult.Code.DUPLICATE_GOAL;
          case "D3" -> RecordResult.Code.DUPLICATE_TRANSACTION;
          case "U" -> RecordResult.Code.STATUS_CHANGED;
          case "IT" -> RecordResult.Code.INVALID_TRANSITION;
          case "NF" -> RecordResult.Code.CLICK_NOT_FOUND;
          case "AM" -> RecordResult.Code.ACCOUNT_MISMATCH;
          case "CM" -> RecordResult.Code.CAMPAIGN_MISMATCH;
          case "RR" -> RecordResult.Code.REQUEST_ID_REUSED;
          default -> throw new IllegalStateException("Unexpected script answer " + code);
        };
    return new RecordResult(outcome, id, reply.size() > 2);
  }

  @Override
  public CompletionStage<StatusUpdate.Result> updateStatus(StatusUpdate u) {
    DecodedKcid kcid = u.kcid();
    int p = kcid.partition();
    boolean hasRequest = !u.requestId().isEmpty();
    byte[][] keys = {
      RedisKeys.conversion(p, kcid.kcid(), u.sequence()),
      RedisKeys.history(p, kcid.kcid(), u.sequence()),
      hasRequest ? RedisKeys.request(p, kcid.kcid(), u.requestId()) : RedisKeys.noRequest(p),
      RedisKeys.stream(p),
      RedisKeys.clickState(p, kcid.kcid()),
      RedisKeys.streamSequence(p)
    };
    byte[][] args = {
      bytes(Integer.toString(u.newStatus().getNumber())),
      bytes(framed(u.allowedSources())),
      bytes(u.reason()),
      bytes(Long.toString(u.time().toEpochMilli())),
      bytes(u.newValue().getAmount()),
      bytes(u.newValue().getCurrencyCode()),
      bytes(hasRequest ? "1" : "0"),
      bytes(u.fingerprint()),
      bytes(Long.toString(u.requestIdTtl().toMillis())),
      bytes(kcid.kcid() + "-" + u.sequence()),
      bytes(Long.toString(streamMaxLength)),
      bytes(u.requestId()),
      bytes(u.accountId()),
      bytes(u.goalKey())
    };
    return Stages.translate(
        durable.<List<Object>>run(UPDATE, ScriptOutputType.MULTI, keys, args)
            .thenApply(
                reply ->
                    switch (text(reply.get(0))) {
                      case "OK" -> StatusUpdate.Result.UPDATED;
                      case "NF" -> StatusUpdate.Result.NOT_FOUND;
                      case "IT" -> StatusUpdate.Result.INVALID_TRANSITION;
                      case "RR" -> StatusUpdate.Result.REQUEST_ID_REUSED;
                      default -> throw new IllegalStateException("Unexpected script answer " + reply);
                    }));
  }

  @Override
  public CompletionStage<Optional<Long>> findByTransaction(DecodedKcid kcid, String transactionId) {
    String suffix = ":" + transactionId;
    return Stages.translate(
        redis
            .hgetall(RedisKeys.clickState(kcid.partition(), kcid.kcid()))
            .thenApply(
                fields -> {
                  long latest = -1;
                  for (Map.Entry<byte[], byte[]> e : fields.entrySet()) {
                    String name = text(e.getKey());
                    if (name.startsWith("x:") && name.endsWith(suffix)) {
                      latest = Math.max(latest, Long.parseLong(text(e.getValue())));
                    }
                  }
                  return latest < 0 ? Optional.<Long>empty() : Optional.of(latest);
                }));
  }

  @Override
  public CompletionStage<Optional<Conversion>> find(DecodedKcid kcid, long sequence) {
    return Stages.translate(read(kcid, sequence));
  }

  private CompletableFuture<Optional<Conversion>> read(DecodedKcid kcid, long sequence) {
    int p = kcid.partition();
    // Both reads share the partition's slot and are pipelined on the one connection.
    var hash = redis.hgetall(RedisKeys.conversion(p, kcid.kcid(), sequence)).toCompletableFuture();
    var history = redis.lrange(RedisKeys.history(p, kcid.kcid(), sequence), 0, -1).toCompletableFuture();
    return hash.thenCombine(history, (h, hist) -> decode(kcid, sequence, h, hist));
  }

  @Override
  public CompletionStage<List<Conversion>> listForClick(
      DecodedKcid kcid, long afterSequence, int limit) {
    int p = kcid.partition();
    CompletionStage<List<Conversion>> listed =
        redis
            .hget(RedisKeys.clickState(p, kcid.kcid()), bytes("n"))
            .thenCompose(
                count -> {
                  long last = count == null ? 0 : Long.parseLong(text(count));
                  long to = Math.min(last, afterSequence + limit);
                  List<CompletableFuture<Optional<Conversion>>> reads = new ArrayList<>();
                  for (long n = afterSequence + 1; n <= to; n++) {
                    reads.add(read(kcid, n));
                  }
                  return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new))
                      .thenApply(
                          x -> reads.stream().map(CompletableFuture::join).flatMap(Optional::stream).toList());
                });
    return Stages.translate(listed);
  }

  private static Optional<Conversion> decode(
      DecodedKcid kcid, long sequence, Map<byte[], byte[]> hash, List<byte[]> history) {
    Map<String, byte[]> fields = new java.util.HashMap<>();
    hash.forEach((k, v) -> fields.put(text(k), v));
    if (!fields.containsKey("p")) {
      return Optional.empty();
    }
    try {
      Conversion.Builder c = Conversion.parseFrom(fields.get("p")).toBuilder()
          .setConversionId(kcid.kcid() + "-" + sequence)
          .setKcid(kcid.kcid())
          .setStatus(ConversionStatus.forNumber(Integer.parseInt(text(fields.get("s")))));
      String amount = text(fields.getOrDefault("a", new byte[0]));
      if (!amount.isEmpty()) {
        c.setValue(Money.newBuilder().setAmount(amount).setCurrencyCode(text(fields.getOrDefault("c", new byte[0]))));
      }
      for (byte[] entry : history) {
        c.addHistory(change(text(entry)));
      }
      return Optional.of(c.build());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("Corrupt conversion record", e);
    }
  }

  /** Parses one history entry: from, to, time ms, source, value before (2), value after (2), reason. */
  private static StatusChange change(String entry) {
    String[] f = entry.split(FIELD, -1);
    long ms = Long.parseLong(f[2]);
    StatusChange.Builder change = StatusChange.newBuilder()
        .setFromStatus(ConversionStatus.forNumber(Integer.parseInt(f[0])))
        .setToStatus(ConversionStatus.forNumber(Integer.parseInt(f[1])))
        .setChangeTime(Timestamp.newBuilder().setSeconds(ms / 1000).setNanos((int) (ms % 1000) * 1_000_000))
        .setSource(f[3])
        .setReason(f[8]);
    if (!f[4].isEmpty()) {
      change.setValueBefore(Money.newBuilder().setAmount(f[4]).setCurrencyCode(f[5]));
    }
    if (!f[6].isEmpty()) {
      change.setValueAfter(Money.newBuilder().setAmount(f[6]).setCurrencyCode(f[7]));
    }
    return change.build();
  }

  private static String text(Object o) {
    return o instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(o);
  }
}
