package io.kcid.bench.load;

import java.util.concurrent.CompletionStage;

/** One asynchronous operation of a load generator (a unary RPC, a Redis command). */
@FunctionalInterface
public interface AsyncOp {
  /** Starts operation number {@code seq}; the stage completes when its answer arrives. */
  CompletionStage<?> start(long seq);
}
