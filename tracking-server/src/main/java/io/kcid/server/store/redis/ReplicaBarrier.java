package io.kcid.server.store.redis;

import io.kcid.core.KcidException;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.server.store.ReplicaWaitListener;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.output.IntegerOutput;
import io.lettuce.core.protocol.AsyncCommand;
import io.lettuce.core.protocol.Command;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.protocol.RedisCommand;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Group commit on one Redis connection: writes are sent in batches, each batch followed by one
 * {@code WAIT replicas timeout} in the same dispatch, and a write completes only once that WAIT
 * reports enough replicas. Otherwise its outcome is unknown (it may or may not survive a failover)
 * and it fails with STORE_UNAVAILABLE / STORE_TIMEOUT, which callers answer as "retry".
 *
 * <p>Why batches: WAIT counts the replication offset of this client's last write, so it must run on
 * the very connection (TCP session) that carried the write. Sending writes and their WAIT as one
 * dispatch puts them on one channel even across a master/replica switch or a reconnect (a command
 * on a dropped channel fails, it is never replayed). And WAIT blocks the connection in Redis until
 * it returns: one WAIT per write would serialize all writes behind each other's replica round trip
 * (and, with a replica gone, pile up timeout after timeout), so at most one WAIT is out at a time
 * and everything written meanwhile shares the next one.
 */
final class ReplicaBarrier {
  private record Pending(AsyncCommand<byte[], byte[], Object> write, CompletableFuture<Object> done) {}

  private final StatefulConnection<byte[], byte[]> connection;
  private final int replicas;
  private final long timeoutMillis;
  private final int maxQueued;
  private final ReplicaWaitListener listener;
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private boolean waiting;

  ReplicaBarrier(StatefulConnection<byte[], byte[]> connection, int replicas, long timeoutMillis, int maxQueued,
      ReplicaWaitListener listener) {
    this.connection = connection;
    this.replicas = replicas;
    this.timeoutMillis = timeoutMillis;
    this.maxQueued = maxQueued;
    this.listener = listener;
  }

  /** Sends {@code write} (not yet dispatched) and completes once it is on enough replicas. */
  @SuppressWarnings("unchecked")
  <T> CompletionStage<T> submit(AsyncCommand<byte[], byte[], T> write) {
    CompletableFuture<Object> done = new CompletableFuture<>();
    List<Pending> batch;
    synchronized (this) {
      if (queue.size() >= maxQueued) {
        // Replicas this slow leave every write's outcome unknown anyway: refuse before sending.
        return CompletableFuture.failedFuture(new KcidException(ErrorReason.ERROR_REASON_STORE_UNAVAILABLE,
            "Too many writes waiting for replicas; nothing was written. Retry with the same request."));
      }
      queue.add(new Pending((AsyncCommand<byte[], byte[], Object>) write, done));
      if (waiting) {
        return (CompletionStage<T>) (CompletionStage<?>) done;
      }
      waiting = true;
      batch = drain();
    }
    send(batch);
    return (CompletionStage<T>) (CompletionStage<?>) done;
  }

  private List<Pending> drain() {
    List<Pending> batch = new ArrayList<>(queue);
    queue.clear();
    return batch;
  }

  private void send(List<Pending> batch) {
    AsyncCommand<byte[], byte[], Long> wait = new AsyncCommand<>(new Command<>(CommandType.WAIT,
        new IntegerOutput<>(ByteArrayCodec.INSTANCE),
        new CommandArgs<>(ByteArrayCodec.INSTANCE).add(replicas).add(timeoutMillis)));
    List<RedisCommand<byte[], byte[], ?>> commands = new ArrayList<>(batch.size() + 1);
    batch.forEach(p -> commands.add(p.write()));
    commands.add(wait);
    try {
      connection.dispatch(commands);
    } catch (RuntimeException e) {
      commands.forEach(c -> c.completeExceptionally(e));
    }
    // Replies arrive in order, so every write of the batch has completed before its WAIT.
    wait.whenComplete((acked, failure) -> {
      listener.waited(result(acked, failure));
      for (Pending p : batch) {
        p.write().whenComplete((value, writeFailure) -> settle(p.done(), value, writeFailure, acked, failure));
      }
      next();
    });
  }

  private ReplicaWaitListener.Result result(Long acked, Throwable failure) {
    if (failure != null) {
      return StoreErrors.unwrap(failure) instanceof RedisCommandTimeoutException
          ? ReplicaWaitListener.Result.TIMEOUT : ReplicaWaitListener.Result.FAILED;
    }
    return acked < replicas ? ReplicaWaitListener.Result.TOO_FEW_REPLICAS : ReplicaWaitListener.Result.OK;
  }

  private void settle(CompletableFuture<Object> done, Object value, Throwable writeFailure, Long acked,
      Throwable waitFailure) {
    if (writeFailure != null) {
      done.completeExceptionally(writeFailure); // Redis refused it or it never got there: as without WAIT
    } else if (waitFailure != null) {
      boolean timeout = StoreErrors.unwrap(waitFailure) instanceof RedisCommandTimeoutException;
      KcidException unknown = new KcidException(
          timeout ? ErrorReason.ERROR_REASON_STORE_TIMEOUT : ErrorReason.ERROR_REASON_STORE_UNAVAILABLE,
          "Written, but not confirmed on a replica; the outcome is unknown. Retry with the same request.");
      unknown.initCause(waitFailure);
      done.completeExceptionally(unknown);
    } else if (acked < replicas) {
      done.completeExceptionally(new KcidException(ErrorReason.ERROR_REASON_STORE_UNAVAILABLE,
          "Written, but only " + acked + " of " + replicas + " replicas confirmed it within " + timeoutMillis
              + " ms; the outcome is unknown. Retry with the same request."));
    } else {
      done.complete(value);
    }
  }

  private void next() {
    List<Pending> batch;
    synchronized (this) {
      if (queue.isEmpty()) {
        waiting = false;
        return;
      }
      batch = drain();
    }
    send(batch);
  }
}
