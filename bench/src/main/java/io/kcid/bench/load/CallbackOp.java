package io.kcid.bench.load;

/**
 * One operation of a load generator that reports its end through a callback instead of a future:
 * the cheap form, with no future or stage allocated per call (see {@link GrpcUnaryOp}).
 */
@FunctionalInterface
public interface CallbackOp {
  /** Starts operation number {@code seq}; calls {@code done} exactly once when its answer arrives. */
  void start(long seq, Completion done);

  /** The end of one operation: {@code failure} is null when it succeeded. */
  @FunctionalInterface
  interface Completion {
    void completed(Throwable failure);
  }

  /** A future-returning operation (a Lettuce command) as a callback one. */
  static CallbackOp of(AsyncOp op) {
    return (seq, done) -> op.start(seq).whenComplete((result, failure) -> done.completed(failure));
  }
}
