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
import io.kcid.server.store.CapMark;
import io.kcid.server.store.ConversionStore;
import io.kcid.server.store.RecordCommand;
import io.kcid.server.store.RecordResult;
import io.kcid.server.store.StatusUpdate;
import io.kcid.server.store.StoredClick;
import io.kcid.server.store.redis.Scripts.RecordConversion;
import io.kcid.server.store.redis.Scripts.UpdateStatus;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;

/**
 * Conversions recorded by one Lua script per postback (see {@code record_conversion.lua}). A
 * conversion n is the fields {@code n.*} of its click's state hash: {@code p} its immutable
 * protobuf, {@code s} its current status, {@code a} and {@code c} its current value (see
 * {@code lib_conversions.lua}); its audit history is a list beside it. One an older server recorded
 * is a hash of its own with the same fields unprefixed, read and changed where it is.
 */
public final class RedisConversionStore implements ConversionStore {
  private static final LuaScript<RecordConversion> RECORD = LuaScript.load(Scripts.RECORD_CONVERSION);
  private static final LuaScript<UpdateStatus> UPDATE = LuaScript.load(Scripts.UPDATE_STATUS);
  private static final LuaScript<Scripts.SettleFx> SETTLE = LuaScript.load(Scripts.SETTLE_FX);
  private static final LuaScript<Scripts.ReadConversions> READ = LuaScript.load(Scripts.READ_CONVERSIONS);
  /** Conversions per read call, at most. */
  static final int MAX_READ_BATCH = 64;
  private static final List<String> CAP_TOKEN_FIELDS = List.of("s", "ct");
  /** Separates the fields of a history entry (ASCII unit separator). */
  private static final String FIELD = "\u001f";

  private final RedisClusterAsyncCommands<byte[], byte[]> redis;
  private final DurableWrites durable;
  private final long streamMaxLength;
  private final java.time.Duration statsRetention;
  /**
   * Reads are grouped per partition ({@link Batches}): a read while the partition has none in
   * flight goes out alone at once, the ones arriving meanwhile (a claimed batch of deliveries,
   * a click's conversions listed) go out together in one script call when it answers.
   */
  private final Batches<ConversionRef, Object> reads = new Batches<>(MAX_READ_BATCH, this::readBatch);

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
  public CompletionStage<RecordResult> record(RecordCommand c, CapMark cap) {
    return run(c, cap, false);
  }

  @Override
  public CompletionStage<RecordResult> evaluate(RecordCommand c) {
    return run(c, CapMark.NONE, true);
  }

  @Override
  public CompletionStage<Optional<String>> capToken(DecodedKcid kcid, long sequence) {
    return Stages.translate(fields(kcid, sequence, CAP_TOKEN_FIELDS)
        .thenApply(fields -> Optional.ofNullable(fields.get("ct")).map(RedisConversionStore::text)));
  }

  private CompletionStage<RecordResult> run(RecordCommand c, CapMark cap, boolean dryRun) {
    DecodedKcid kcid = c.kcid();
    int p = kcid.partition();
    boolean hasRequest = !c.requestId().isEmpty();
    ScriptArgs<RecordConversion> call = ScriptArgs.of(RecordConversion.class)
        .set(RecordConversion.CLICK_GROUP, RedisKeys.clickGroup(kcid))
        .set(RecordConversion.CLICK_STATE, RedisKeys.clickState(p, kcid.kcid()))
        .set(RecordConversion.REQUEST,
            hasRequest ? RedisKeys.request(p, kcid.kcid(), c.requestId()) : RedisKeys.noRequest(p))
        .set(RecordConversion.STREAM, RedisKeys.stream(p))
        .set(RecordConversion.STATS, RedisKeys.stats(p, c.requiredAccountId(), StatsFormat.hourOf(c.eventTime())))
        .set(RecordConversion.STREAM_SEQUENCE, RedisKeys.streamSequence(p))
        .set(RecordConversion.OUTBOX, RedisKeys.outbox(p))
        .set(RecordConversion.DIMENSIONS, RedisKeys.dimensions(p, c.requiredAccountId(), StatsFormat.hourOf(c.eventTime())))
        .set(RecordConversion.HOT_STATS, RedisKeys.hotStats(p))
        .set(RecordConversion.ACCOUNT_ID, c.requiredAccountId())
        .set(RecordConversion.GOAL_KEY, c.goalKey())
        .set(RecordConversion.COUNTING_MODE, modeCode(c.countingMode()))
        .set(RecordConversion.TRANSACTION_ID, c.transactionId())
        .set(RecordConversion.FINGERPRINT, c.fingerprint())
        .set(RecordConversion.PAYLOAD, c.payload())
        .set(RecordConversion.CONVERSION_TTL_MS, Long.toString(c.conversionTtl().toMillis()))
        .set(RecordConversion.REQUEST_TTL_MS, Long.toString(c.requestIdTtl().toMillis()))
        .set(RecordConversion.STREAM_MAX_LENGTH, Long.toString(streamMaxLength))
        .set(RecordConversion.RECORD_TIME_MS, Long.toString(c.recordTime().toEpochMilli()))
        .set(RecordConversion.LEGACY_CONVERSION_PREFIX, RedisKeys.legacyConversionPrefix(p, kcid.kcid()))
        .set(RecordConversion.CONVERSION_ID_PREFIX, kcid.kcid() + "-")
        .set(RecordConversion.HAS_REQUEST, hasRequest ? "1" : "0")
        .set(RecordConversion.CAMPAIGNS, String.join("\n", c.allowedCampaigns()))
        .set(RecordConversion.REQUESTED_STATUS, c.requestedStatus() == ConversionStatus.CONVERSION_STATUS_UNSPECIFIED
            ? "" : Integer.toString(c.requestedStatus().getNumber()))
        .set(RecordConversion.NEW_STATUS, Integer.toString(c.newStatus().getNumber()))
        .set(RecordConversion.AMOUNT, c.value().getAmount())
        .set(RecordConversion.CURRENCY, c.value().getCurrencyCode())
        .set(RecordConversion.HISTORY_PREFIX, RedisKeys.historyPrefix(p, kcid.kcid()))
        .set(RecordConversion.TRANSITION_SOURCES, framed(c.transitionSources()))
        .set(RecordConversion.TEST, c.test() ? "1" : "0")
        .set(RecordConversion.REQUEST_ID, c.requestId())
        .set(RecordConversion.DRY_RUN, dryRun ? "1" : "0")
        .set(RecordConversion.TTC_BUCKET, Integer.toString(c.timeToConvertBucket()))
        .set(RecordConversion.STATS_EXPIRE_AT_MS,
            Long.toString(StatsFormat.expireAtMillis(c.eventTime(), statsRetention)))
        .set(RecordConversion.CLICK_FIELD, RedisKeys.clickField(kcid))
        .set(RecordConversion.ISSUE_TIME_S, Long.toString(kcid.issueTime().getEpochSecond()))
        .set(RecordConversion.FLAGGED_STATUS, c.flaggedStatus() == ConversionStatus.CONVERSION_STATUS_UNSPECIFIED
            ? "" : Integer.toString(c.flaggedStatus().getNumber()))
        .set(RecordConversion.WRITE_OUTBOX, c.outbox() && !dryRun ? "1" : "0")
        .set(RecordConversion.CAP_TOKEN, cap.token())
        .set(RecordConversion.CAPPED, cap.capped() ? "1" : "0");
    // A dry run writes nothing: no replica has anything to confirm.
    CompletionStage<List<Object>> reply = dryRun
        ? RECORD.run(redis, ScriptOutputType.MULTI, call)
        : durable.run(RECORD, ScriptOutputType.MULTI, call);
    return Stages.translate(reply.thenApply(answer -> result(c.kcid(), answer)));
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

  private static RecordResult result(DecodedKcid kcid, List<Object> reply) {
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
    boolean repeated = reply.size() > 2 && "R".equals(text(reply.get(2)));
    RecordResult.Flagged flagged = reply.size() > 4 && !text(reply.get(3)).isEmpty()
        ? new RecordResult.Flagged(
            ConversionStatus.forNumber(Integer.parseInt(text(reply.get(3)))),
            io.kcid.proto.tracking.v1.ErrorReason.forNumber(Integer.parseInt(text(reply.get(4)))))
        : null;
    byte[] click = reply.size() > 5 ? (byte[]) reply.get(5) : null;
    return new RecordResult(outcome, id, repeated, flagged, click == null || click.length == 0 ? null : handedOver(kcid, click));
  }

  /**
   * The click a new conversion's write answered, for the recorder to hand over; null when it does
   * not decode (the write is done: the delivery reads the click instead, and meets the same error).
   */
  private static StoredClick handedOver(DecodedKcid kcid, byte[] record) {
    try {
      return RedisClickStore.decode(kcid, record);
    } catch (IllegalStateException e) {
      return null;
    }
  }

  @Override
  public CompletionStage<StatusUpdate.Result> updateStatus(StatusUpdate u) {
    DecodedKcid kcid = u.kcid();
    int p = kcid.partition();
    boolean hasRequest = !u.requestId().isEmpty();
    ScriptArgs<UpdateStatus> call = ScriptArgs.of(UpdateStatus.class)
        .set(UpdateStatus.LEGACY_CONVERSION, RedisKeys.legacyConversion(p, kcid.kcid(), u.sequence()))
        .set(UpdateStatus.HISTORY, RedisKeys.history(p, kcid.kcid(), u.sequence()))
        .set(UpdateStatus.REQUEST,
            hasRequest ? RedisKeys.request(p, kcid.kcid(), u.requestId()) : RedisKeys.noRequest(p))
        .set(UpdateStatus.STREAM, RedisKeys.stream(p))
        .set(UpdateStatus.CLICK_STATE, RedisKeys.clickState(p, kcid.kcid()))
        .set(UpdateStatus.STREAM_SEQUENCE, RedisKeys.streamSequence(p))
        .set(UpdateStatus.OUTBOX, RedisKeys.outbox(p))
        .set(UpdateStatus.NEW_STATUS, Integer.toString(u.newStatus().getNumber()))
        .set(UpdateStatus.ALLOWED_SOURCES, framed(u.allowedSources()))
        .set(UpdateStatus.REASON, u.reason())
        .set(UpdateStatus.TIME_MS, Long.toString(u.time().toEpochMilli()))
        .set(UpdateStatus.AMOUNT, u.newValue().getAmount())
        .set(UpdateStatus.CURRENCY, u.newValue().getCurrencyCode())
        .set(UpdateStatus.HAS_REQUEST, hasRequest ? "1" : "0")
        .set(UpdateStatus.FINGERPRINT, u.fingerprint())
        .set(UpdateStatus.REQUEST_TTL_MS, Long.toString(u.requestIdTtl().toMillis()))
        .set(UpdateStatus.CONVERSION_ID, kcid.kcid() + "-" + u.sequence())
        .set(UpdateStatus.STREAM_MAX_LENGTH, Long.toString(streamMaxLength))
        .set(UpdateStatus.REQUEST_ID, u.requestId())
        .set(UpdateStatus.ACCOUNT_ID, u.accountId())
        .set(UpdateStatus.GOAL_KEY, u.goalKey())
        .set(UpdateStatus.WRITE_OUTBOX, u.outbox() ? "1" : "0")
        .set(UpdateStatus.SEQUENCE, Long.toString(u.sequence()))
        .set(UpdateStatus.STATS_PREFIX, RedisKeys.statsPrefix(p, u.accountId()))
        .set(UpdateStatus.DIMENSIONS_PREFIX, RedisKeys.dimensionsPrefix(p, u.accountId()));
    return Stages.translate(
        durable.<List<Object>, UpdateStatus>run(UPDATE, ScriptOutputType.MULTI, call)
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
  public CompletionStage<Boolean> settleFx(DecodedKcid kcid, long sequence, Conversion fx) {
    return Stages.translate(SETTLE.<Long>run(redis, ScriptOutputType.INTEGER, ScriptArgs.of(Scripts.SettleFx.class)
            .set(Scripts.SettleFx.CLICK_STATE, RedisKeys.clickState(kcid.partition(), kcid.kcid()))
            .set(Scripts.SettleFx.LEGACY_CONVERSION, RedisKeys.legacyConversion(kcid.partition(), kcid.kcid(), sequence))
            .set(Scripts.SettleFx.FX, fx.toByteArray())
            .set(Scripts.SettleFx.SEQUENCE, Long.toString(sequence)))
        .thenApply(stored -> stored == 1L));
  }

  @Override
  public CompletionStage<Optional<Conversion>> find(DecodedKcid kcid, long sequence) {
    return Stages.translate(read(kcid, sequence));
  }

  private CompletableFuture<Optional<Conversion>> read(DecodedKcid kcid, long sequence) {
    return reads.submit(kcid.partition(), new ConversionRef(kcid, sequence)).toCompletableFuture().thenApply(reply -> {
      List<?> found = (List<?>) reply;
      List<?> pairs = (List<?>) found.get(0);
      Map<String, byte[]> fields = new HashMap<>();
      for (int i = 0; i + 1 < pairs.size(); i += 2) {
        fields.put(text((byte[]) pairs.get(i)), (byte[]) pairs.get(i + 1));
      }
      @SuppressWarnings("unchecked")
      List<byte[]> history = (List<byte[]>) found.get(1);
      return decode(kcid, sequence, fields, history);
    });
  }

  private record ConversionRef(DecodedKcid kcid, long sequence) {}

  /** One read_conversions.lua call for a partition's batch; each key is declared once. */
  private CompletionStage<List<Object>> readBatch(int partition, List<ConversionRef> batch) {
    ScriptArgs<Scripts.ReadConversions> call = ScriptArgs.of(Scripts.ReadConversions.class);
    DeclaredKeys<Scripts.ReadConversions> keys = new DeclaredKeys<>(call, Scripts.ReadConversions.READ_KEYS, 1);
    for (ConversionRef ref : batch) {
      String kcid = ref.kcid().kcid();
      call.add(Scripts.ReadConversions.CONVERSIONS, keys.indexOf(RedisKeys.clickState(partition, kcid)))
          .add(Scripts.ReadConversions.CONVERSIONS, keys.indexOf(RedisKeys.legacyConversion(partition, kcid, ref.sequence())))
          .add(Scripts.ReadConversions.CONVERSIONS, keys.indexOf(RedisKeys.history(partition, kcid, ref.sequence())))
          .add(Scripts.ReadConversions.CONVERSIONS, Long.toString(ref.sequence()));
    }
    return Stages.translate(READ.<List<Object>>run(redis, ScriptOutputType.MULTI, call));
  }

  /**
   * The named fields of conversion {@code sequence} (names include its status {@code s}) wherever
   * it is kept, by the rule of lib_conversions.lua: the state hash's {@code <n>.*} when its status
   * is there, else the hash an older server kept it in. Empty when the conversion is gone.
   */
  private CompletableFuture<Map<String, byte[]>> fields(DecodedKcid kcid, long sequence, List<String> names) {
    int p = kcid.partition();
    byte[][] prefixed = new byte[names.size()][];
    for (int i = 0; i < prefixed.length; i++) {
      prefixed[i] = RedisKeys.conversionField(sequence, names.get(i));
    }
    return redis.hmget(RedisKeys.clickState(p, kcid.kcid()), prefixed).toCompletableFuture().thenCompose(values -> {
      Map<String, byte[]> fields = new HashMap<>();
      for (int i = 0; i < values.size(); i++) {
        if (values.get(i).hasValue()) {
          fields.put(names.get(i), values.get(i).getValue());
        }
      }
      if (fields.containsKey("s")) {
        return CompletableFuture.completedFuture(fields);
      }
      return redis.hgetall(RedisKeys.legacyConversion(p, kcid.kcid(), sequence)).toCompletableFuture()
          .thenApply(legacy -> {
            Map<String, byte[]> named = new HashMap<>();
            legacy.forEach((k, v) -> named.put(text(k), v));
            return named;
          });
    });
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

  /** A conversion from its fields by their names (p, s, a, c, fx) and its history. */
  private static Optional<Conversion> decode(
      DecodedKcid kcid, long sequence, Map<String, byte[]> fields, List<byte[]> history) {
    if (!fields.containsKey("p")) {
      return Optional.empty();
    }
    try {
      Conversion.Builder c = Conversion.parseFrom(fields.get("p")).toBuilder()
          .setConversionId(kcid.kcid() + "-" + sequence)
          .setKcid(kcid.kcid())
          .setStatus(ConversionStatus.forNumber(Integer.parseInt(text(fields.get("s")))));
      if (fields.containsKey("fx")) {
        // The rate found when it was first read after its missing rate arrived (settle_fx.lua).
        c.mergeFrom(Conversion.parseFrom(fields.get("fx")));
      }
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
