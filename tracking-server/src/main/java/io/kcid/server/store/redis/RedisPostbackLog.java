package io.kcid.server.store.redis;

import com.google.protobuf.InvalidProtocolBufferException;
import io.kcid.core.kcid.DecodedKcid;
import io.kcid.proto.tracking.v1.PostbackLogEntry;
import io.kcid.server.store.PostbackLog;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.XTrimArgs;
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
 * on every append ({@code MINID ~ now-retention}) with a length cap as a safety net, and a capped
 * list of attempts per click under the click's partition tag. Every command is single-key and
 * they are sent in order on the shared connection, so a read issued after an append sees it.
 */
public final class RedisPostbackLog implements PostbackLog {
  /** Attempts kept per click: enough to debug a sender, bounded against one that loops. */
  static final int ATTEMPTS_PER_CLICK = 100;
  /** The unattributed log is an operator's aid, not a record: keep it small. */
  static final long UNATTRIBUTED_MAX_LENGTH = 10_000;

  private static final byte[] FIELD = "e".getBytes(StandardCharsets.US_ASCII);

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
    byte[] key = key(accountId);
    long cap = accountId.isEmpty() ? Math.min(maxLength, UNATTRIBUTED_MAX_LENGTH) : maxLength;
    // MINID and MAXLEN cannot share one XADD: time trims here, the length cap in XTRIM.
    CompletionStage<String> added =
        redis.xadd(
            key,
            new XAddArgs().minId(StreamIds.first(now.minus(retention))).approximateTrimming(),
            Map.of(FIELD, entry.toByteArray()));
    redis.xtrim(key, new XTrimArgs().maxlen(cap).approximateTrimming());
    // A log nobody writes to any more disappears as a whole once its newest entry is too old.
    redis.pexpire(key, retention.toMillis());
    if (kcid.isEmpty()) {
      return Stages.translate(added);
    }
    DecodedKcid k = kcid.get();
    byte[] attempts = RedisKeys.clickAttempts(k.partition(), k.kcid());
    return Stages.translate(
        added.thenCompose(
            id -> {
              // Pipelined: the three commands go out together, in order.
              var pushed = redis.lpush(attempts, entry.toBuilder().setLogId(id).build().toByteArray());
              redis.ltrim(attempts, 0, ATTEMPTS_PER_CLICK - 1);
              redis.pexpire(attempts, retention.toMillis());
              return pushed.thenApply(n -> id);
            }));
  }

  @Override
  public CompletionStage<Scan> scanBackward(
      String accountId, Instant start, Instant end, Optional<String> beforeId, int count) {
    String low = StreamIds.first(start);
    String high = StreamIds.lastBefore(end);
    if (beforeId.isPresent()) {
      high = StreamIds.min(high, StreamIds.predecessor(beforeId.get()));
    }
    return Stages.translate(
        redis
            .xrevrange(key(accountId), Range.create(low, high), Limit.from(count))
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
      reads.add(
          redis
              .xrange(key, Range.create(id, id))
              .thenApply(found -> found.isEmpty() ? Optional.<PostbackLogEntry>empty() : Optional.of(entry(found.get(0))))
              .toCompletableFuture());
    }
    return Stages.translate(
        CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new))
            .thenApply(x -> reads.stream().map(CompletableFuture::join).toList()));
  }

  @Override
  public CompletionStage<List<PostbackLogEntry>> attempts(DecodedKcid kcid) {
    return Stages.translate(
        redis
            .lrange(RedisKeys.clickAttempts(kcid.partition(), kcid.kcid()), 0, -1)
            .thenApply(values -> values.stream().map(RedisPostbackLog::parse).toList()));
  }

  private static Scan scan(List<StreamMessage<byte[], byte[]>> messages, int count) {
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
