package io.kcid.server.store.redis;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/** Completion-stage plumbing shared by the Redis stores. */
final class Stages {
  private Stages() {}

  /**
   * Runs each task on the JDK's delay thread once {@code delay} has passed: for steps that only
   * send a command, so they need no hand-off. Not CompletableFuture's default async pool: where the
   * common pool has one thread or none (two cores or fewer), that pool starts a thread per task.
   */
  static Executor after(Duration delay) {
    return CompletableFuture.delayedExecutor(delay.toNanos(), TimeUnit.NANOSECONDS, Runnable::run);
  }

  /** The same stage, with Lettuce failures turned into kcid outcomes (see {@link StoreErrors}). */
  static <T> CompletionStage<T> translate(CompletionStage<T> stage) {
    CompletableFuture<T> result = new CompletableFuture<>();
    stage.whenComplete(
        (value, failure) -> {
          if (failure == null) {
            result.complete(value);
          } else {
            result.completeExceptionally(StoreErrors.translate(failure));
          }
        });
    return result;
  }
}
