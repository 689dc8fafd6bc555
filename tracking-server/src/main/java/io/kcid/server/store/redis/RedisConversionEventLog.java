package io.kcid.server.store.redis;

import com.google.protobuf.Timestamp;
import io.kcid.proto.tracking.v1.ConversionEvent;
import io.kcid.proto.tracking.v1.ConversionEventType;
import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.Money;
import io.kcid.server.store.ConversionEventLog;
import io.kcid.server.store.redis.Scripts.StreamTail;
import io.lettuce.core.Consumer;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XAutoClaimArgs;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The partition streams {@code kc:{p}:s} read with plain, non-blocking stream commands on the
 * shared connection. Idle readers either poll, or — built by {@link #watching} on a single Redis or
 * a Sentinel group — wait for a {@link StreamAppendWatch} to see an append. Entry fields are those
 * the scripts append (lib_stats.lua {@code append_event}).
 */
public final class RedisConversionEventLog implements ConversionEventLog {
  private static final LuaScript<StreamTail> TAIL = LuaScript.load(Scripts.STREAM_TAIL);

  private final RedisClusterAsyncCommands<byte[], byte[]> redis;
  private final int partitions;
  /** Null: readers poll. */
  private final StreamAppendWatch watch;

  /** A log whose idle readers poll. */
  public RedisConversionEventLog(RedisClusterAsyncCommands<byte[], byte[]> redis, int partitions) {
    this(redis, partitions, null);
  }

  private RedisConversionEventLog(RedisClusterAsyncCommands<byte[], byte[]> redis, int partitions,
      StreamAppendWatch watch) {
    this.redis = redis;
    this.partitions = partitions;
    this.watch = watch;
  }

  /**
   * A log whose idle readers are woken by an XREAD BLOCK over every partition's stream, on a
   * connection of the watch's own (closed with {@code connector}); on a Cluster, where one command
   * cannot block on several slots, its readers poll.
   */
  public static RedisConversionEventLog watching(RedisConnector connector, int partitions) {
    return new RedisConversionEventLog(
        connector.commands(), partitions, connector.streamAppendWatch(partitions).orElse(null));
  }

  @Override
  public boolean signalsAppends() {
    return watch != null;
  }

  @Override
  public long appendMark() {
    return watch == null ? 0 : watch.mark();
  }

  @Override
  public CompletionStage<Void> appendedSince(long mark) {
    return watch == null ? new CompletableFuture<>() : watch.appendedSince(mark);
  }

  @Override
  public int partitions() {
    return partitions;
  }

  @Override
  public CompletionStage<Position> tail(int partition) {
    ScriptArgs<StreamTail> call = ScriptArgs.of(StreamTail.class)
        .set(StreamTail.STREAM, RedisKeys.stream(partition))
        .set(StreamTail.STREAM_SEQUENCE, RedisKeys.streamSequence(partition));
    return Stages.translate(
        TAIL.<List<Object>>run(redis, ScriptOutputType.MULTI, call)
            .thenApply(r -> new Position(text(r.get(0)), Long.parseLong(text(r.get(1))))));
  }

  @Override
  public CompletionStage<Long> trimHorizon(int partition) {
    return Stages.translate(
        redis.hget(RedisKeys.streamSequence(partition), RedisKeys.bytes("h"))
            .thenApply(h -> h == null ? 0L : Long.parseLong(text(h))));
  }

  @Override
  public CompletionStage<List<Entry>> read(int partition, String afterEntryId, int count) {
    return Stages.translate(
        redis.xread(XReadArgs.Builder.count(count), XReadArgs.StreamOffset.from(RedisKeys.stream(partition), afterEntryId))
            .thenApply(messages -> entries(partition, messages)));
  }

  @Override
  public CompletionStage<Void> createGroup(int partition, String group, boolean fromStart) {
    CompletableFuture<Void> created = new CompletableFuture<>();
    redis.xgroupCreate(
            XReadArgs.StreamOffset.from(RedisKeys.stream(partition), fromStart ? "0" : "$"),
            RedisKeys.bytes(group),
            XGroupCreateArgs.Builder.mkstream())
        .whenComplete(
            (ok, failure) -> {
              Throwable cause = failure == null ? null : StoreErrors.unwrap(failure);
              if (cause == null || String.valueOf(cause.getMessage()).startsWith("BUSYGROUP")) {
                created.complete(null); // created now, or by an earlier consumer
              } else {
                created.completeExceptionally(StoreErrors.translate(cause));
              }
            });
    return created;
  }

  @Override
  public CompletionStage<List<GroupBacklog>> groups(int partition) {
    return Stages.translate(redis.xinfoGroups(RedisKeys.stream(partition)).thenApply(RedisConversionEventLog::backlogs));
  }

  /** XINFO GROUPS: one flat list of field names and values per group. */
  private static List<GroupBacklog> backlogs(List<Object> reply) {
    List<GroupBacklog> groups = new ArrayList<>();
    for (Object item : reply) {
      if (!(item instanceof List<?> fields)) {
        continue;
      }
      String name = null;
      long pending = 0;
      long lag = -1;
      for (int i = 0; i + 1 < fields.size(); i += 2) {
        String field = fields.get(i) instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(fields.get(i));
        Object value = fields.get(i + 1);
        switch (field) {
          case "name" -> name = value instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(value);
          case "pending" -> pending = value instanceof Long l ? l : pending;
          case "lag" -> lag = value instanceof Long l ? l : -1; // nil when Redis cannot tell
          default -> { }
        }
      }
      if (name != null) {
        groups.add(new GroupBacklog(name, pending, lag));
      }
    }
    return groups;
  }

  @Override
  public CompletionStage<List<Entry>> readNew(int partition, String group, String consumer, int count) {
    return Stages.translate(
        redis.xreadgroup(
                Consumer.from(RedisKeys.bytes(group), RedisKeys.bytes(consumer)),
                XReadArgs.Builder.count(count),
                XReadArgs.StreamOffset.lastConsumed(RedisKeys.stream(partition)))
            .thenApply(messages -> entries(partition, messages)));
  }

  @Override
  public CompletionStage<List<Entry>> readPending(
      int partition, String group, String consumer, String afterEntryId, int count) {
    return Stages.translate(
        redis.xreadgroup(
                Consumer.from(RedisKeys.bytes(group), RedisKeys.bytes(consumer)),
                XReadArgs.Builder.count(count),
                XReadArgs.StreamOffset.from(RedisKeys.stream(partition), afterEntryId))
            .thenApply(messages -> entries(partition, messages)));
  }

  @Override
  public CompletionStage<Claimed> claim(
      int partition, String group, String consumer, Duration minIdle, String startId, int count) {
    return Stages.translate(
        redis.xautoclaim(
                RedisKeys.stream(partition),
                new XAutoClaimArgs<byte[]>()
                    .consumer(Consumer.from(RedisKeys.bytes(group), RedisKeys.bytes(consumer)))
                    .minIdleTime(minIdle)
                    .startId(startId)
                    .count(count))
            .thenApply(claimed -> new Claimed(claimed.getId(), entries(partition, claimed.getMessages()))));
  }

  @Override
  public CompletionStage<Long> ack(int partition, String group, List<String> entryIds) {
    if (entryIds.isEmpty()) {
      return CompletableFuture.completedFuture(0L);
    }
    return Stages.translate(
        redis.xack(RedisKeys.stream(partition), RedisKeys.bytes(group), entryIds.toArray(String[]::new)));
  }

  private static List<Entry> entries(int partition, List<StreamMessage<byte[], byte[]>> messages) {
    return messages == null
        ? List.of()
        : messages.stream().map(m -> entry(partition, m)).toList();
  }

  static Entry entry(int partition, StreamMessage<byte[], byte[]> message) {
    Map<byte[], byte[]> body = message.getBody();
    if (body == null || body.isEmpty()) {
      return new Entry(partition, message.getId(), -1, null); // trimmed while pending
    }
    Map<String, String> f = new HashMap<>();
    body.forEach((k, v) -> f.put(text(k), v == null ? "" : text(v)));
    long sequence;
    try {
      sequence = Long.parseLong(f.getOrDefault("n", "-1"));
    } catch (NumberFormatException e) {
      sequence = -1;
    }
    return new Entry(partition, message.getId(), sequence, event(partition, message.getId(), f));
  }

  private static ConversionEvent event(int partition, String entryId, Map<String, String> f) {
    String conversionId = f.getOrDefault("id", "");
    int dash = conversionId.lastIndexOf('-');
    ConversionEvent.Builder e = ConversionEvent.newBuilder()
        .setEventId(partition + ":" + entryId)
        .setType(switch (f.getOrDefault("type", "")) {
          case "conversion" -> ConversionEventType.CONVERSION_EVENT_TYPE_RECORDED;
          case "status" -> ConversionEventType.CONVERSION_EVENT_TYPE_STATUS_CHANGED;
          default -> ConversionEventType.CONVERSION_EVENT_TYPE_UNSPECIFIED;
        })
        .setConversionId(conversionId)
        .setKcid(dash < 0 ? "" : conversionId.substring(0, dash))
        .setAccountId(f.getOrDefault("a", ""))
        .setGoalKey(f.getOrDefault("g", ""))
        .setStatus(status(f.get("s")))
        .setPreviousStatus(status(f.get("f")))
        .setTest("1".equals(f.get("test")))
        .setPartition(partition)
        .setCampaignId(f.getOrDefault("cp", ""));
    long ms = number(f.get("t"));
    e.setTime(Timestamp.newBuilder().setSeconds(Math.floorDiv(ms, 1000)).setNanos((int) Math.floorMod(ms, 1000) * 1_000_000));
    String amount = f.getOrDefault("v", "");
    if (!amount.isEmpty()) {
      e.setValue(Money.newBuilder().setAmount(amount).setCurrencyCode(f.getOrDefault("c", "")));
    }
    return e.build();
  }

  private static ConversionStatus status(String number) {
    if (number == null || number.isEmpty()) {
      return ConversionStatus.CONVERSION_STATUS_UNSPECIFIED;
    }
    ConversionStatus s = ConversionStatus.forNumber((int) number(number));
    return s == null ? ConversionStatus.CONVERSION_STATUS_UNSPECIFIED : s;
  }

  private static long number(String s) {
    try {
      return s == null ? 0 : Long.parseLong(s);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static String text(Object o) {
    return o instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(o);
  }
}
