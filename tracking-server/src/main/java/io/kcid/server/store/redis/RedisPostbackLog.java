package io.kcid.server.store.redis;

import com.google.protobuf.InvalidProtocolBufferException;
import io.kcid.core.kcid.DecodedKcid;
import io.kcid.proto.tracking.v1.PostbackLogEntry;
import io.kcid.server.store.PostbackLog;
import io.kcid.server.store.redis.Scripts.AppendPostbackLog;
import io.kcid.server.store.redis.Scripts.PushClickAttempts;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;

/**
 * The postback log on Redis: one stream per account under the account's hash tag, trimmed by time
 * ({@code MINID ~ now-retention}) with a length cap as a safety net, and the capped attempts on
 * each click in a field of the click's state hash — pointers ({@code <account>|<log id>}) into the
 * logs, so a postback's parameters are stored once.
 *
 * <p>Appends are grouped ({@link Batches}, no timer): those that arrive while a log's previous
 * call is in flight go together as its next call, and the pointers they leave likewise, one call
 * per click partition. An idle server writes each postback's entry at once, in two script calls
 * (the log's slot, then the click's); a busy one pays for the calls and the log's trims once per
 * batch. Entries keep their order within a log, and so do a click's attempts (they are all in its
 * owner's log: only the owner's credentials log an attempt on a click).
 */
public final class RedisPostbackLog implements PostbackLog {
  /** Attempts kept per click: enough to debug a sender, bounded against one that loops. */
  static final int ATTEMPTS_PER_CLICK = 100;
  /** The unattributed log is an operator's aid, not a record: keep it small. */
  static final long UNATTRIBUTED_MAX_LENGTH = 10_000;
  /** Entries or pointers per script call, at most: a call blocks Redis while it runs. */
  private static final int MAX_BATCH = 100;
  /**
   * Lanes of log appends: a log always goes in the same one (its entries stay in order), and
   * logs that share a lane share its calls, one script call per log.
   */
  static final int APPEND_LANES = 16;

  private static final byte[] FIELD = "e".getBytes(StandardCharsets.US_ASCII);
  /** A conversion id stored without its kcid (see {@link #stored}). */
  private static final Pattern SHORT_CONVERSION_ID = Pattern.compile("-[0-9]+");
  /** The click state hash's field holding its attempts (push_click_attempts.lua). */
  private static final byte[] ATTEMPTS_FIELD = "l".getBytes(StandardCharsets.US_ASCII);
  /** Separates account and log id in a click's attempts ("acme|1718000000000-0"; "|…" unattributed). */
  private static final String POINTER = "|";
  private static final LuaScript<AppendPostbackLog> APPEND = LuaScript.load(Scripts.APPEND_POSTBACK_LOG);
  private static final LuaScript<PushClickAttempts> PUSH = LuaScript.load(Scripts.PUSH_CLICK_ATTEMPTS);

  private final RedisClusterAsyncCommands<byte[], byte[]> redis;
  private final Duration retention;
  private final long maxLength;
  private final Batches<Append, Appended> appends = new Batches<>(MAX_BATCH, this::appendBatch);
  private final Batches<Pointer, Long> pointers = new Batches<>(MAX_BATCH, this::pushBatch);

  /** One entry for the log of {@code accountId}. */
  private record Append(String accountId, byte[] entry, Instant now) {}

  /** An entry's log id, or why its log's call failed (the other logs of its batch are apart). */
  private record Appended(String id, Throwable failure) {
    CompletionStage<String> stage() {
      return failure == null ? CompletableFuture.completedFuture(id) : CompletableFuture.failedFuture(failure);
    }
  }

  /** One attempt for a click's attempts. */
  private record Pointer(DecodedKcid kcid, String pointer) {}

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
    int lane = Math.floorMod(accountId.hashCode(), APPEND_LANES);
    CompletionStage<String> added =
        appends.submit(lane, new Append(accountId, stored(entry), now)).thenCompose(Appended::stage);
    if (kcid.isEmpty()) {
      return Stages.translate(added);
    }
    DecodedKcid k = kcid.get();
    return Stages.translate(added.thenCompose(id ->
        pointers.submit(k.partition(), new Pointer(k, accountId + POINTER + id)).thenApply(pushed -> id)));
  }

  /** One script call per log in the batch; the answers in the batch's order. */
  private CompletionStage<List<Appended>> appendBatch(int lane, List<Append> batch) {
    Map<String, List<Integer>> byLog = new LinkedHashMap<>();
    for (int i = 0; i < batch.size(); i++) {
      byLog.computeIfAbsent(batch.get(i).accountId(), a -> new ArrayList<>()).add(i);
    }
    Appended[] answers = new Appended[batch.size()];
    List<CompletableFuture<Void>> calls = new ArrayList<>();
    byLog.forEach((accountId, items) -> {
      long cap = accountId.isEmpty() ? Math.min(maxLength, UNATTRIBUTED_MAX_LENGTH) : maxLength;
      Instant now = batch.get(items.get(items.size() - 1)).now();
      ScriptArgs<AppendPostbackLog> call = ScriptArgs.of(AppendPostbackLog.class)
          .set(AppendPostbackLog.LOG, key(accountId))
          .set(AppendPostbackLog.MIN_ID, StreamIds.first(now.minus(retention)))
          .set(AppendPostbackLog.MAX_LENGTH, Long.toString(cap))
          .set(AppendPostbackLog.TTL_MS, Long.toString(retention.toMillis()));
      for (int i : items) {
        call.add(AppendPostbackLog.ENTRIES, batch.get(i).entry());
      }
      calls.add(APPEND.<List<byte[]>>run(redis, ScriptOutputType.MULTI, call).toCompletableFuture()
          .handle((added, failure) -> {
            if (failure == null && added.size() != items.size()) {
              failure = new IllegalStateException("append_postback_log.lua answered " + added.size()
                  + " ids for " + items.size() + " entries");
            }
            for (int j = 0; j < items.size(); j++) {
              answers[items.get(j)] = failure != null ? new Appended(null, failure)
                  : new Appended(new String(added.get(j), StandardCharsets.US_ASCII), null);
            }
            return null;
          }));
    });
    return CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).thenApply(x -> List.of(answers));
  }

  /** One script call for the batch: its clicks share the partition, so one slot. */
  private CompletionStage<List<Long>> pushBatch(int partition, List<Pointer> batch) {
    ScriptArgs<PushClickAttempts> call = ScriptArgs.of(PushClickAttempts.class)
        .set(PushClickAttempts.KEPT, Integer.toString(ATTEMPTS_PER_CLICK))
        .set(PushClickAttempts.TTL_MS, Long.toString(retention.toMillis()));
    for (Pointer p : batch) {
      call.add(PushClickAttempts.CLICK_STATES, RedisKeys.clickState(partition, p.kcid().kcid()));
      call.add(PushClickAttempts.POINTERS, p.pointer());
    }
    return PUSH.<Long>run(redis, ScriptOutputType.INTEGER, call)
        .thenApply(pushed -> Collections.nCopies(batch.size(), pushed));
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
        PostbackLogEntry.Builder entry = parse(field.getValue()).toBuilder().setLogId(message.getId());
        String id = entry.getConversionId();
        if (SHORT_CONVERSION_ID.matcher(id).matches() && !entry.getRequest().getKcid().isEmpty()) {
          entry.setConversionId(entry.getRequest().getKcid() + id);
        }
        return entry.build();
      }
    }
    throw new IllegalStateException("Postback log entry " + message.getId() + " has no payload");
  }

  /**
   * The entry as stored: a conversion id that is the request's kcid and "-&lt;n&gt;" (every id
   * this server gives) keeps only "-&lt;n&gt;", since the request holds the kcid (about 30 bytes
   * of Redis an entry); {@link #entry} puts the kcid back. Any other id is stored whole, as older
   * servers stored them all; a whole id never looks short (it starts with its kcid).
   */
  static byte[] stored(PostbackLogEntry entry) {
    String id = entry.getConversionId();
    String kcid = entry.getRequest().getKcid();
    if (!kcid.isEmpty() && id.startsWith(kcid)
        && SHORT_CONVERSION_ID.matcher(id).region(kcid.length(), id.length()).matches()) {
      return entry.toBuilder().setConversionId(id.substring(kcid.length())).build().toByteArray();
    }
    return entry.toByteArray();
  }

  private static PostbackLogEntry parse(byte[] value) {
    try {
      return PostbackLogEntry.parseFrom(value);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("Corrupt postback log entry", e);
    }
  }
}
