package io.kcid.server.common;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Completion-stage plumbing every layer uses. */
public final class Futures {
  private Futures() {}

  /** Every stage's value, in the order given, once all are done; the first failure otherwise. */
  public static <T> CompletableFuture<List<T>> all(List<CompletableFuture<T>> stages) {
    return CompletableFuture.allOf(stages.toArray(CompletableFuture[]::new))
        .thenApply(x -> stages.stream().map(CompletableFuture::join).toList());
  }
}
