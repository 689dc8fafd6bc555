package io.kcid.server.store.redis;

import static io.kcid.server.store.redis.RedisKeys.bytes;

import com.google.protobuf.InvalidProtocolBufferException;
import io.kcid.core.kcid.DecodedKcid;
import io.kcid.proto.tracking.v1.Conversion;
import io.kcid.proto.tracking.v1.CountingMode;
import io.kcid.server.store.ConversionStore;
import io.kcid.server.store.RecordCommand;
import io.kcid.server.store.RecordResult;
import io.lettuce.core.KeyValue;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Conversions recorded by one Lua script per postback (see {@code record_conversion.lua}). */
public final class RedisConversionStore implements ConversionStore {
  private static final LuaScript RECORD = LuaScript.fromClasspath("/lua/record_conversion.lua");

  private final RedisClusterAsyncCommands<byte[], byte[]> redis;
  private final long streamMaxLength;

  public RedisConversionStore(RedisClusterAsyncCommands<byte[], byte[]> redis, long streamMaxLength) {
    this.redis = redis;
    this.streamMaxLength = streamMaxLength;
  }

  @Override
  public CompletionStage<RecordResult> record(RecordCommand c) {
    DecodedKcid kcid = c.kcid();
    int p = kcid.partition();
    boolean hasRequest = !c.requestId().isEmpty();
    byte[][] keys = {
      RedisKeys.click(p, kcid.kcid()),
      RedisKeys.clickState(p, kcid.kcid()),
      hasRequest ? RedisKeys.request(p, kcid.kcid(), c.requestId()) : RedisKeys.noRequest(p),
      RedisKeys.stream(p)
    };
    byte[][] args = {
      bytes(c.requiredAccountId()),
      bytes(c.goalKey()),
      bytes(modeCode(c.countingMode())),
      bytes(c.transactionId()),
      bytes(c.fingerprint()),
      c.conversion().toByteArray(),
      bytes(Long.toString(c.conversionTtl().toMillis())),
      bytes(Long.toString(c.requestIdTtl().toMillis())),
      bytes(Long.toString(streamMaxLength)),
      bytes(Long.toString(c.conversion().getRecordTime().getSeconds() * 1000)),
      bytes(RedisKeys.conversionPrefix(p, kcid.kcid())),
      bytes(kcid.kcid() + "-"),
      bytes(hasRequest ? "1" : "0")
    };
    return Stages.translate(
        RECORD.<List<Object>>run(redis, ScriptOutputType.MULTI, keys, args)
            .thenApply(RedisConversionStore::result));
  }

  private static String modeCode(CountingMode mode) {
    return switch (mode) {
      case COUNTING_MODE_ONCE_PER_CLICK -> "1";
      case COUNTING_MODE_EVERY_POSTBACK -> "2";
      case COUNTING_MODE_UNIQUE_TRANSACTION_PER_CLICK -> "3";
      default -> throw new IllegalArgumentException("No counting mode: " + mode);
    };
  }

  private static RecordResult result(List<Object> reply) {
    String code = text(reply.get(0));
    String id = text(reply.get(1));
    RecordResult.Code outcome =
        switch (code) {
          case "A" -> RecordResult.Code.ACCEPTED;
          case "D1" -> RecordResult.Code.DUPLICATE_GOAL;
          case "D3" -> RecordResult.Code.DUPLICATE_TRANSACTION;
          case "NF" -> RecordResult.Code.CLICK_NOT_FOUND;
          case "AM" -> RecordResult.Code.ACCOUNT_MISMATCH;
          case "RR" -> RecordResult.Code.REQUEST_ID_REUSED;
          default -> throw new IllegalStateException("Unexpected script answer " + code);
        };
    return new RecordResult(outcome, id);
  }

  private static String text(Object o) {
    return o instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(o);
  }

  @Override
  public CompletionStage<Optional<Conversion>> find(DecodedKcid kcid, long sequence) {
    return Stages.translate(
        redis
            .get(RedisKeys.conversion(kcid.partition(), kcid.kcid(), sequence))
            .thenApply(v -> Optional.ofNullable(v).map(b -> decode(kcid, sequence, b))));
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
                  long last = count == null ? 0 : Long.parseLong(new String(count, StandardCharsets.UTF_8));
                  long to = Math.min(last, afterSequence + limit);
                  if (to <= afterSequence) {
                    return CompletableFuture.completedFuture(List.of());
                  }
                  byte[][] keys = new byte[(int) (to - afterSequence)][];
                  for (long n = afterSequence + 1; n <= to; n++) {
                    keys[(int) (n - afterSequence - 1)] = RedisKeys.conversion(p, kcid.kcid(), n);
                  }
                  // One MGET: every key shares the partition's hash slot.
                  return redis
                      .mget(keys)
                      .thenApply(
                          values -> {
                            List<Conversion> out = new ArrayList<>(values.size());
                            long n = afterSequence + 1;
                            for (KeyValue<byte[], byte[]> kv : values) {
                              if (kv.hasValue()) {
                                out.add(decode(kcid, n, kv.getValue()));
                              }
                              n++;
                            }
                            return out;
                          });
                });
    return Stages.translate(listed);
  }

  private static Conversion decode(DecodedKcid kcid, long sequence, byte[] bytes) {
    try {
      return Conversion.parseFrom(bytes).toBuilder()
          .setConversionId(kcid.kcid() + "-" + sequence)
          .setKcid(kcid.kcid())
          .build();
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("Corrupt conversion record", e);
    }
  }
}
