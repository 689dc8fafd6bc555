package io.kcid.server.store.redis;

import static io.kcid.server.store.redis.RedisKeys.bytes;

import com.google.protobuf.InvalidProtocolBufferException;
import io.kcid.core.kcid.DecodedKcid;
import io.kcid.proto.tracking.v1.PostbackLogEntry;
import io.kcid.server.store.PostbackLog;
import io.kcid.server.store.redis.Scripts.AppendPostbackLog;
import io.kcid.server.store.redis.Scripts.PushClickAttempt;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The postback log on Redis: one stream per account under the account's hash tag, trimmed by time
 * on every append ({@code MINID ~ now-retention}) with a length cap as a safety net, and the capped
 * attempts on each click in a field of the click's state hash — pointers ({@code <account>|<log id>})
 * into the logs, so a postback's parameters are stored once. An append is one script call per
 * key (the account's and the click's are in different slots), so the log adds two commands per
 * postback to the shared connection.
 */
public final class RedisPostbackLog implements PostbackLog {
  /** Attempts kept per click: enough to debug a sender, bounded against one that loops. */
  static final int ATTEMPTS_PER_CLICK = 100;
  /** The unattributed log is an operator's aid, not a record: keep it small. */
  static final long UNATTRIBUTED_MAX_LENGTH = 10_000;

  private static final byte[] FIELD = "e".getBytes(StandardCharsets.US_ASCII);
  /** The click state hash's field holding its attempts (push_click_attempt.lua). */
  private static final byte[] ATTEMPTS_FIELD = "l".getBytes(StandardCharsets.US_ASCII);
  /** Separates account and log id in a click's attempts ("acme|1718000000000-0"; "|…" unattributed). */
  private static final String POINTER = "|";
  private static final LuaScript<AppendPostbackLog> APPEND = LuaScript.load(Scripts.APPEND_POSTBACK_LOG);
  private static final LuaScript<PushClickAttempt> PUSH = LuaScript.load(Scripts.PUSH_CLICK_ATTEMPT);

  private final RedisClusterAsyncCommands<byte[], byte[]> redis;
  private final Duration retention;
  private final long maxLength;

  public RedisPostbackLog(
      RedisClusterAsyncCommands<byte[], byte[]> redis, Duration retention, long maxLength) {
    this.redis = redis;
    this.retention = retention;
    this.maxLength = maxLength;
  }

  private static byte[] key(String accountId) {
    return accountId.isEmpty() ? RedisKeys.unattributedLog() : RedisKeys.accountLog(accountId);
  }

  @Override
  public CompletionStage<String> append(
      String accountId, Optional<DecodedKcid> kcid, PostbackLogEntry entry, Instant now) {
    long cap = accountId.isEmpty() ? Math.min(maxLength, UNATTRIBUTED_MAX_LENGTH) : maxLength;
    byte[] ttl = bytes(Long.toString(retention.toMillis()));
    CompletionStage<String> added =
        APPEND.<byte[]>run(redis, ScriptOutputType.VALUE, ScriptArgs.of(AppendPostbackLog.class)
                .set(AppendPostbackLog.LOG, key(accountId))
                .set(AppendPostbackLog.ENTRY, entry.toByteArray())
                .set(AppendPostbackLog.MIN_ID, StreamIds.first(now.minus(retention)))
                .set(AppendPostbackLog.MAX_LENGTH, Long.toString(cap))
                .set(AppendPostbackLog.TTL_MS, ttl))
            .thenApply(id -> new String(id, StandardCharsets.US_ASCII));
    if (kcid.isEmpty()) {
      return Stages.translate(added);
    }
    DecodedKcid k = kcid.get();
    return Stages.translate(
        added.thenCompose(
            id ->
                PUSH.<Long>run(redis, ScriptOutputType.INTEGER, ScriptArgs.of(PushClickAttempt.class)
                        .set(PushClickAttempt.CLICK_STATE, RedisKeys.clickState(k.partition(), k.kcid()))
                        .set(PushClickAttempt.POINTER, accountId + POINTER + id)
                        .set(PushClickAttempt.KEPT, Integer.toString(ATTEMPTS_PER_CLICK))
                        .set(PushClickAttempt.TTL_MS, ttl))
                    .thenApply(n -> id)));
  }

  @Override
  public CompletionStage<Scan> scanBackward(
      String accountId, Instant start, Instant end, Optional<String> beforeId, int count) {
    return scanBackward(redis, key(accountId), start, end, beforeId, count);
  }

  /** Newest first: the entries of the stream at {@code key} in [start, end), before {@code beforeId}. */
  static CompletionStage<Scan> scanBackward(
      RedisClusterAsyncCommands<byte[], byte[]> redis, byte[] key, Instant start, Instant end, Optional<String> beforeId,
      int count) {
    String low = StreamIds.first(start);
    String high = StreamIds.lastBefore(end);
    if (beforeId.isPresent()) {
      high = StreamIds.min(high, StreamIds.predecessor(beforeId.get()));
    }
    return Stages.translate(
        redis
            .xrevrange(key, Range.create(low, high), Limit.from(count))
            .thenApply(messages -> scan(messages, count)));
  }

  @Override
  public CompletionStage<Scan> scanForward(
      String accountId, Instant start, Instant end, Optional<String> afterId, int count) {
    String low = StreamIds.first(start);
    String high = StreamIds.lastBefore(end);
    if (afterId.isPresent()) {
      low = StreamIds.max(low, StreamIds.successor(afterId.get()));
    }
    return Stages.translate(
        redis
            .xrange(key(accountId), Range.create(low, high), Limit.from(count))
            .thenApply(messages -> scan(messages, count)));
  }

  @Override
  public CompletionStage<List<Optional<PostbackLogEntry>>> get(String accountId, List<String> logIds) {
    byte[] key = key(accountId);
    List<CompletableFuture<Optional<PostbackLogEntry>>> reads = new ArrayList<>();
    for (String id : logIds) {
      if (!StreamIds.isValid(id)) {
        reads.add(CompletableFuture.completedFuture(Optional.empty()));
        continue;
      }
      reads.add(read(key, id));
    }
    return Stages.translate(
        CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new))
            .thenApply(x -> reads.stream().map(CompletableFuture::join).toList()));
  }

  @Override
  public CompletionStage<List<PostbackLogEntry>> attempts(DecodedKcid kcid) {
    int p = kcid.partition();
    // Both reads share the click's slot and are pipelined on the one connection. The list holds
    // attempts an older server pushed (older than any in the field); it is empty once they expired.
    var current = redis.hget(RedisKeys.clickState(p, kcid.kcid()), ATTEMPTS_FIELD).toCompletableFuture();
    var legacy = redis.lrange(RedisKeys.legacyClickAttempts(p, kcid.kcid()), 0, -1).toCompletableFuture();
    return Stages.translate(
        current.thenCombine(legacy, RedisPostbackLog::pointers)
            .thenCompose(
                pointers -> {
                  // Each read is in its log's slot; they are pipelined on the one connection.
                  List<CompletableFuture<Optional<PostbackLogEntry>>> reads = new ArrayList<>();
                  for (String pointer : pointers) {
                    int bar = pointer.lastIndexOf(POINTER);
                    reads.add(read(key(pointer.substring(0, bar)), pointer.substring(bar + 1)));
                  }
                  return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new))
                      .thenApply(x -> reads.stream().map(CompletableFuture::join).flatMap(Optional::stream).toList());
                }));
  }

  /** Newest first: the state hash's field, then the older list's entries, at most the kept number. */
  private static List<String> pointers(byte[] field, List<byte[]> legacy) {
    List<String> pointers = new ArrayList<>();
    if (field != null) {
      pointers.addAll(List.of(new String(field, StandardCharsets.UTF_8).split(" ")));
    }
    for (byte[] pointer : legacy) {
      pointers.add(new String(pointer, StandardCharsets.UTF_8));
    }
    return pointers.size() > ATTEMPTS_PER_CLICK ? pointers.subList(0, ATTEMPTS_PER_CLICK) : pointers;
  }

  private CompletableFuture<Optional<PostbackLogEntry>> read(byte[] key, String id) {
    return redis
        .xrange(key, Range.create(id, id))
        .thenApply(found -> found.isEmpty() ? Optional.<PostbackLogEntry>empty() : Optional.of(entry(found.get(0))))
        .toCompletableFuture();
  }

  static Scan scan(List<StreamMessage<byte[], byte[]>> messages, int count) {
    return new Scan(messages.stream().map(RedisPostbackLog::entry).toList(), messages.size() < count);
  }

  private static PostbackLogEntry entry(StreamMessage<byte[], byte[]> message) {
    for (Map.Entry<byte[], byte[]> field : message.getBody().entrySet()) {
      if (java.util.Arrays.equals(field.getKey(), FIELD)) {
        return parse(field.getValue()).toBuilder().setLogId(message.getId()).build();
      }
    }
    throw new IllegalStateException("Postback log entry " + message.getId() + " has no payload");
  }

  private static PostbackLogEntry parse(byte[] value) {
    try {
      return PostbackLogEntry.parseFrom(value);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("Corrupt postback log entry", e);
    }
  }
}
