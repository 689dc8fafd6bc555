package io.kcid.server.store.redis;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;

/**
 * Groups calls per lane (a partition: one slot) without waiting for a timer: an item submitted
 * while its lane has no call in flight goes out at once, alone; items submitted while a call is in
 * flight go out together as soon as it answers. An idle system pays no latency; a busy one sends
 * one script call for many items. With a linger, an item that finds its lane idle waits that long
 * for others before the call goes out: for items nobody waits on, which come one by one even under
 * load (a call answers long before the next item arrives, so without it every item was a call).
 *
 * @param <T> an item
 * @param <R> an item's answer (the call answers a list, one per item, in order)
 */
final class Batches<T, R> {
  private final int max;
  /** Runs a lane's first call after the linger (null: at once). */
  private final Executor lingered;
  private final BiFunction<Integer, List<T>, CompletionStage<List<R>>> call;
  private final ConcurrentMap<Integer, Lane<T, R>> lanes = new ConcurrentHashMap<>();
  /** Lanes with a call in flight. */
  private final AtomicInteger busy = new AtomicInteger();
  /** The lane that most recently sent a call, while it may still be in flight. */
  private volatile int lastBusy = -1;

  private static final class Lane<T, R> {
    final ArrayDeque<T> items = new ArrayDeque<>();
    final ArrayDeque<CompletableFuture<R>> answers = new ArrayDeque<>();
    boolean busy;
  }

  /** @param max items per call, at most */
  Batches(int max, BiFunction<Integer, List<T>, CompletionStage<List<R>>> call) {
    this(max, Duration.ZERO, call);
  }

  /**
   * @param max items per call, at most
   * @param linger how long an item that finds its lane idle waits for others (zero: not at all)
   */
  Batches(int max, Duration linger, BiFunction<Integer, List<T>, CompletionStage<List<R>>> call) {
    this.max = max;
    this.lingered = linger.isZero() ? null : Stages.after(linger);
    this.call = call;
  }

  CompletionStage<R> submit(int lane, T item) {
    Lane<T, R> l = lanes.computeIfAbsent(lane, k -> new Lane<>());
    CompletableFuture<R> answer = new CompletableFuture<>();
    synchronized (l) {
      l.items.add(item);
      l.answers.add(answer);
      if (l.busy) {
        return answer;
      }
      l.busy = true;
    }
    busy.incrementAndGet();
    lastBusy = lane;
    if (lingered == null) {
      next(lane, l);
    } else {
      lingered.execute(() -> next(lane, l));
    }
    return answer;
  }

  /**
   * A lane for an item that may go in any of {@code 0..lanes-1} (a new click's partition is free):
   * a random one while fewer than {@code concurrent} lanes have a call in flight, else the lane
   * that sent most recently, whose next batch it joins. Under load, items so gather in a few lanes'
   * batches instead of spreading one or two per lane over all of them; over time every lane is
   * chosen alike, since each new lane is drawn at random.
   */
  int choose(int lanes, int concurrent) {
    int last = lastBusy;
    if (busy.get() < concurrent || last < 0 || last >= lanes) {
      return ThreadLocalRandom.current().nextInt(lanes);
    }
    return last;
  }

  private void next(int lane, Lane<T, R> l) {
    List<T> batch = new ArrayList<>();
    List<CompletableFuture<R>> answers = new ArrayList<>();
    synchronized (l) {
      while (!l.items.isEmpty() && batch.size() < max) {
        batch.add(l.items.poll());
        answers.add(l.answers.poll());
      }
      if (batch.isEmpty()) {
        l.busy = false;
        busy.decrementAndGet();
        return;
      }
    }
    CompletionStage<List<R>> sent;
    try {
      sent = call.apply(lane, batch);
    } catch (RuntimeException | Error e) {
      // Fail the batch's items rather than the thread: a lingered call runs on the JDK's delay
      // thread, which would swallow the throwable and leave the lane busy for good.
      sent = CompletableFuture.failedFuture(e);
    }
    sent.whenComplete((results, failure) -> {
      // The next batch leaves first: the answers' continuations may take a while.
      next(lane, l);
      for (int i = 0; i < answers.size(); i++) {
        if (failure != null) {
          answers.get(i).completeExceptionally(failure);
        } else if (results == null || i >= results.size()) {
          answers.get(i).completeExceptionally(new IllegalStateException("script answered " 
              + (results == null ? 0 : results.size()) + " results for " + answers.size() + " items"));
        } else {
          answers.get(i).complete(results.get(i));
        }
      }
    });
  }
}
