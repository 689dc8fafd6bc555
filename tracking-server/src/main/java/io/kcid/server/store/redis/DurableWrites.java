package io.kcid.server.store.redis;

import io.kcid.server.config.ReplicaWait;
import io.kcid.server.store.ReplicaWaitListener;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.protocol.AsyncCommand;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Runs the scripts whose success is acknowledged to a caller (a conversion, a status change, a
 * click, a click's erasure, a transaction claim). With {@link ReplicaWait} off they run on the
 * shared connection as any command. With it on, each runs on a connection of the writes' own
 * ({@link RedisConnector#durableWrites}) to the primary that owns its key — its one connection to a
 * single Redis or a Sentinel group, its node connection to the slot owner on a Cluster — followed
 * there by WAIT ({@link ReplicaBarrier}); a write that enough replicas did not confirm is answered
 * "outcome unknown, retry". Reads stay on the shared connection, never queued behind a WAIT.
 *
 * <p>On a Cluster the script goes straight to the owner's node connection, which does not follow
 * MOVED or ASK (a redirected write would run on a connection the WAIT does not cover): a redirect
 * fails the write — Redis did not run it, a retry is safe — and asks for a topology refresh, as
 * does a primary that cannot be reached.
 */
public final class DurableWrites {
  /** How often a redirect may ask for a topology refresh (Lettuce's own adaptive refresh limit). */
  private static final long REFRESH_INTERVAL_NANOS = 1_000_000_000L;

  private final RedisClusterAsyncCommands<byte[], byte[]> shared;
  private final ReplicaWait wait;
  private final Function<byte[], CompletionStage<StatefulConnection<byte[], byte[]>>> ownerOf;
  private final Runnable refreshTopology;
  private final int maxQueued;
  private final ReplicaWaitListener listener;
  private final Map<StatefulConnection<byte[], byte[]>, ReplicaBarrier> barriers =
      Collections.synchronizedMap(new WeakHashMap<>());
  private final AtomicLong lastRefresh = new AtomicLong(System.nanoTime() - REFRESH_INTERVAL_NANOS);

  DurableWrites(
      RedisClusterAsyncCommands<byte[], byte[]> shared,
      ReplicaWait wait,
      Function<byte[], CompletionStage<StatefulConnection<byte[], byte[]>>> ownerOf,
      Runnable refreshTopology,
      int maxQueued,
      ReplicaWaitListener listener) {
    this.shared = shared;
    this.wait = wait;
    this.ownerOf = ownerOf;
    this.refreshTopology = refreshTopology;
    this.maxQueued = maxQueued;
    this.listener = listener;
  }

  /** Writes as any other command: asynchronous replication (and the stores' tests). */
  public static DurableWrites unreplicated(RedisClusterAsyncCommands<byte[], byte[]> shared) {
    return new DurableWrites(shared, ReplicaWait.OFF, key -> {
      throw new IllegalStateException("not waiting for replicas");
    }, () -> {}, 0, ReplicaWaitListener.NONE);
  }

  public ReplicaWait replicaWait() {
    return wait;
  }

  /** Runs {@code script}; with replicas to wait for, completes only once they hold its writes. */
  <T, P extends Enum<P> & ScriptParam> CompletionStage<T> run(
      LuaScript<P> script, ScriptOutputType type, ScriptArgs<P> call) {
    if (!wait.enabled()) {
      return script.run(shared, type, call);
    }
    byte[][] keys = call.keys();
    byte[][] args = call.argv();
    // Every key of a script shares one hash slot: the first names the owner.
    return this.<T>once(keys[0], () -> script.evalshaCommand(type, keys, args))
        .exceptionallyCompose(failure -> StoreErrors.unwrap(failure) instanceof RedisNoScriptException
            // Script caches are per node and die with a restart or failover: send it whole, once.
            ? once(keys[0], () -> script.evalCommand(type, keys, args))
            : CompletableFuture.failedStage(failure));
  }

  private <T> CompletionStage<T> once(byte[] key, Supplier<AsyncCommand<byte[], byte[], T>> command) {
    CompletionStage<T> written = ownerOf.apply(key).thenCompose(
        connection -> barriers.computeIfAbsent(connection,
                c -> new ReplicaBarrier(c, wait.replicas(), wait.timeout().toMillis(), maxQueued, listener))
            .submit(command.get()));
    return written.whenComplete((value, failure) -> {
      if (failure != null && staleOwner(StoreErrors.unwrap(failure))) {
        refreshSoon();
      }
    });
  }

  /**
   * A redirect, or a primary that cannot be reached (killed, its replica maybe promoted already):
   * this view of the topology may be out of date. Lettuce's own adaptive refresh only sees the
   * slot-routed commands.
   */
  private static boolean staleOwner(Throwable t) {
    if (t instanceof RedisCommandExecutionException e) {
      String message = e.getMessage() == null ? "" : e.getMessage();
      return message.startsWith("MOVED") || message.startsWith("ASK");
    }
    return t instanceof RedisException && !(t instanceof RedisCommandTimeoutException);
  }

  private void refreshSoon() {
    long last = lastRefresh.get();
    long now = System.nanoTime();
    if (now - last >= REFRESH_INTERVAL_NANOS && lastRefresh.compareAndSet(last, now)) {
      refreshTopology.run();
    }
  }
}
