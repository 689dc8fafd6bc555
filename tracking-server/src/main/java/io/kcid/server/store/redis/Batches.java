package io.kcid.server.store.redis;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.BiFunction;

/**
 * Groups calls per lane (a partition: one slot) without waiting for a timer: an item submitted
 * while its lane has no call in flight goes out at once, alone; items submitted while a call is in
 * flight go out together as soon as it answers. An idle system pays no latency; a busy one sends
 * one script call for many items.
 *
 * @param <T> an item
 * @param <R> an item's answer (the call answers a list, one per item, in order)
 */
final class Batches<T, R> {
  private final int max;
  private final BiFunction<Integer, List<T>, CompletionStage<List<R>>> call;
  private final ConcurrentMap<Integer, Lane<T, R>> lanes = new ConcurrentHashMap<>();

  private static final class Lane<T, R> {
    final ArrayDeque<T> items = new ArrayDeque<>();
    final ArrayDeque<CompletableFuture<R>> answers = new ArrayDeque<>();
    boolean busy;
  }

  /** @param max items per call, at most */
  Batches(int max, BiFunction<Integer, List<T>, CompletionStage<List<R>>> call) {
    this.max = max;
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
    next(lane, l);
    return answer;
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
        return;
      }
    }
    CompletionStage<List<R>> sent;
    try {
      sent = call.apply(lane, batch);
    } catch (RuntimeException e) {
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
