package io.kcid.server.store.redis;

import static io.kcid.server.store.redis.RedisKeys.bytes;

import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.PostbackLogEntry;
import io.kcid.server.store.PostbackLog;
import io.kcid.server.store.RefusalLog;
import io.kcid.server.store.redis.Scripts.AppendPostbackLog;
import io.kcid.server.store.redis.Scripts.CountRefusals;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Unauthenticated refusals on Redis, under the account's hash tag next to its postback log: a
 * stream {@code kc:{a:<id>}:log:refused} trimmed like the log (by the retention, on every append)
 * but capped at {@link RefusalLog#MAX_LENGTH} entries, and a hash {@code kc:{a:<id>}:log:refused:n}
 * of counts, field {@code <unix hour>:<reason number>}, expiring with the retention
 * ({@code kc:log:unattributed:n} for the unattributed log). Neither writes a click's attempts.
 */
public final class RedisRefusalLog implements RefusalLog {
  private static final LuaScript<AppendPostbackLog> APPEND = LuaScript.load(Scripts.APPEND_POSTBACK_LOG);
  private static final LuaScript<CountRefusals> COUNT = LuaScript.load(Scripts.COUNT_REFUSALS);
  private static final long HOUR_SECONDS = 3600;

  private final RedisClusterAsyncCommands<byte[], byte[]> redis;
  private final Duration retention;
  private final long maxLength;

  public RedisRefusalLog(RedisClusterAsyncCommands<byte[], byte[]> redis, Duration retention) {
    this(redis, retention, MAX_LENGTH);
  }

  RedisRefusalLog(RedisClusterAsyncCommands<byte[], byte[]> redis, Duration retention, long maxLength) {
    this.redis = redis;
    this.retention = retention;
    this.maxLength = maxLength;
  }

  static byte[] sampleKey(String accountId) {
    if (accountId.isEmpty()) {
      throw new IllegalArgumentException("the unattributed log has no separate sample");
    }
    return bytes("kc:{a:" + accountId + "}:log:refused");
  }

  static byte[] countKey(String accountId) {
    return accountId.isEmpty() ? bytes("kc:log:unattributed:n") : bytes("kc:{a:" + accountId + "}:log:refused:n");
  }

  @Override
  public CompletionStage<String> append(String accountId, PostbackLogEntry entry, Instant now) {
    return Stages.translate(
        APPEND.<List<byte[]>>run(redis, ScriptOutputType.MULTI, ScriptArgs.of(AppendPostbackLog.class)
                .set(AppendPostbackLog.LOG, sampleKey(accountId))
                .set(AppendPostbackLog.MIN_ID, StreamIds.first(now.minus(retention)))
                .set(AppendPostbackLog.MAX_LENGTH, Long.toString(maxLength))
                .set(AppendPostbackLog.TTL_MS, Long.toString(retention.toMillis()))
                .add(AppendPostbackLog.ENTRIES, entry.toByteArray()))
            .thenApply(ids -> new String(ids.get(0), StandardCharsets.US_ASCII)));
  }

  @Override
  public CompletionStage<PostbackLog.Scan> scanBackward(
      String accountId, Instant start, Instant end, Optional<String> beforeId, int count) {
    return RedisPostbackLog.scanBackward(redis, sampleKey(accountId), start, end, beforeId, count);
  }

  @Override
  public CompletionStage<Void> add(
      String accountId, Instant hour, Map<ErrorReason, Long> counts, boolean trim, Instant now) {
    ScriptArgs<CountRefusals> call = ScriptArgs.of(CountRefusals.class)
        .set(CountRefusals.COUNTS, countKey(accountId))
        .set(CountRefusals.TTL_MS, Long.toString(retention.toMillis()))
        .set(CountRefusals.OLDEST_HOUR, trim ? Long.toString(hourOf(now.minus(retention))) : "0");
    long h = hourOf(hour);
    counts.forEach((reason, n) -> call
        .add(CountRefusals.INCREMENTS, h + ":" + reason.getNumber())
        .add(CountRefusals.INCREMENTS, Long.toString(n)));
    return Stages.translate(
        COUNT.<Long>run(redis, ScriptOutputType.INTEGER, call)
            .thenApply(x -> (Void) null));
  }

  @Override
  public CompletionStage<Map<ErrorReason, Long>> counts(String accountId, Instant start, Instant end) {
    long first = hourOf(start);
    long last = hourOf(end.minusNanos(1));
    return Stages.translate(
        redis.hgetall(countKey(accountId)).thenApply(fields -> {
          Map<ErrorReason, Long> sums = new EnumMap<>(ErrorReason.class);
          fields.forEach((field, value) -> {
            String[] parts = new String(field, StandardCharsets.US_ASCII).split(":");
            if (parts.length != 2) {
              return;
            }
            try {
              long hour = Long.parseLong(parts[0]);
              ErrorReason reason = ErrorReason.forNumber(Integer.parseInt(parts[1]));
              if (hour >= first && hour <= last && reason != null) {
                sums.merge(reason, Long.parseLong(new String(value, StandardCharsets.US_ASCII)), Long::sum);
              }
            } catch (NumberFormatException e) {
              // not a counter field: ignore
            }
          });
          return sums;
        }));
  }

  static long hourOf(Instant t) {
    return Math.floorDiv(t.getEpochSecond(), HOUR_SECONDS);
  }
}
