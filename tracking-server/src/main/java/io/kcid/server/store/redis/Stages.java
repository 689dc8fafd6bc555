package io.kcid.server.store.redis;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Completion-stage plumbing shared by the Redis stores. */
final class Stages {
  private Stages() {}

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
