package io.kcid.server.store.redis;

import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulConnection;
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
 * Tells idle stream readers that a conversion event was appended to some partition's stream: one
 * {@code XREAD BLOCK} over every partition's stream, from each one's newest entry id, on a
 * connection of its own — a blocking command holds its connection until it returns, and on the
 * shared one it would hold up every other command. Readers then read as before, each from its own
 * position; the watch only ends their idle wait. (A Cluster cannot block on keys of several slots
 * in one command, so there readers keep polling: see {@link RedisConversionEventLog#watching}.)
 */
final class StreamAppendWatch implements AutoCloseable {
  /** Under steady traffic the watch re-arms at most this often: readers are woken in batches. */
  private static final Duration MIN_REARM = Duration.ofMillis(50);
  /** After a failed read (Redis away, a failover), the next attempt waits this long. */
  private static final Duration RETRY = Duration.ofSeconds(1);

  private final StatefulConnection<byte[], byte[]> connection;
  private final RedisClusterAsyncCommands<byte[], byte[]> redis;
  private final long blockMillis;
  private final XReadArgs.StreamOffset<byte[]>[] offsets;
  private final Map<String, Integer> partitionOfKey = new HashMap<>();
  private long generation;
  private CompletableFuture<Void> next = new CompletableFuture<>();
  private volatile boolean closed;

  /**
   * @param connection a connection of the watch's own (closed with it)
   * @param redis its commands
   * @param block how long one XREAD blocks: under the connection's command timeout
   */
  @SuppressWarnings("unchecked")
  StreamAppendWatch(StatefulConnection<byte[], byte[]> connection, RedisClusterAsyncCommands<byte[], byte[]> redis,
      int partitions, Duration block) {
    this.connection = connection;
    this.redis = redis;
    this.blockMillis = Math.max(1, block.toMillis());
    this.offsets = new XReadArgs.StreamOffset[partitions];
    for (int p = 0; p < partitions; p++) {
      partitionOfKey.put(text(RedisKeys.stream(p)), p);
    }
    start();
  }

  /** A mark to take before a read that may find nothing new, for {@link #appendedSince}. */
  synchronized long mark() {
    return generation;
  }

  /** Completes once an append after {@code mark} was seen (or the watch lost track: read again). */
  synchronized CompletionStage<Void> appendedSince(long mark) {
    return generation > mark ? CompletableFuture.completedFuture(null) : next;
  }

  private void wakeReaders() {
    CompletableFuture<Void> woken;
    synchronized (this) {
      generation++;
      woken = next;
      next = new CompletableFuture<>();
    }
    woken.complete(null);
  }

  /** Starts from each stream's newest entry: concrete ids, so nothing appended between reads is missed. */
  private void start() {
    if (closed) {
      return;
    }
    List<CompletableFuture<Void>> tails = new ArrayList<>();
    for (int p = 0; p < offsets.length; p++) {
      tails.add(newest(p));
    }
    CompletableFuture.allOf(tails.toArray(CompletableFuture[]::new)).whenComplete((ok, failure) -> {
      if (failure != null) {
        retry(this::start);
      } else {
        arm();
      }
    });
  }

  private CompletableFuture<Void> newest(int p) {
    byte[] key = RedisKeys.stream(p);
    return redis.xrevrange(key, Range.unbounded(), Limit.create(0, 1)).thenAccept(last -> {
      synchronized (this) {
        offsets[p] = XReadArgs.StreamOffset.from(key, last.isEmpty() ? "0-0" : last.get(0).getId());
      }
    }).toCompletableFuture();
  }

  private void arm() {
    if (closed) {
      return;
    }
    XReadArgs.StreamOffset<byte[]>[] from;
    synchronized (this) {
      from = offsets.clone();
    }
    redis.xread(XReadArgs.Builder.block(blockMillis).count(1), from).whenComplete((messages, failure) -> {
      if (closed) {
        return;
      }
      if (failure != null) {
        wakeReaders(); // whatever happened meanwhile, readers find it by reading
        retry(this::start);
      } else if (messages == null || messages.isEmpty()) {
        arm(); // blocked the whole time: nothing new
      } else {
        appended(messages);
      }
    });
  }

  /** Some streams grew: move their ids to their newest entries, wake the readers, re-arm soon. */
  private void appended(List<StreamMessage<byte[], byte[]>> messages) {
    List<CompletableFuture<Void>> moved = new ArrayList<>();
    for (StreamMessage<byte[], byte[]> message : messages) {
      Integer p = partitionOfKey.get(text(message.getStream()));
      if (p != null) {
        moved.add(newest(p));
      }
    }
    CompletableFuture.allOf(moved.toArray(CompletableFuture[]::new)).whenComplete((ok, failure) -> {
      // Only now: an entry the new ids passed over was appended before the readers read.
      wakeReaders();
      if (failure != null) {
        retry(this::start);
      } else {
        Stages.after(MIN_REARM).execute(this::arm);
      }
    });
  }

  private void retry(Runnable step) {
    if (!closed) {
      Stages.after(RETRY).execute(step);
    }
  }

  private static String text(byte[] b) {
    return new String(b, StandardCharsets.ISO_8859_1);
  }

  @Override
  public void close() {
    closed = true;
    connection.close();
    wakeReaders();
  }
}
