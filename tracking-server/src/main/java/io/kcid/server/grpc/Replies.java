package io.kcid.server.grpc;

import io.grpc.stub.StreamObserver;
import io.kcid.server.common.GrpcErrors;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/** Bridges the async domain services to unary gRPC replies. */
final class Replies {
  private Replies() {}

  /**
   * Runs {@code call} and completes the observer with its result or its mapped error. Validation
   * errors thrown synchronously are answered the same way as asynchronous ones.
   */
  static <T> void reply(StreamObserver<T> observer, Supplier<CompletionStage<T>> call) {
    CompletionStage<T> stage;
    try {
      stage = call.get();
    } catch (RuntimeException e) {
      observer.onError(GrpcErrors.toStatus(e));
      return;
    }
    stage.whenComplete(
        (value, failure) -> {
          if (failure != null) {
            observer.onError(GrpcErrors.toStatus(failure));
          } else {
            observer.onNext(value);
            observer.onCompleted();
          }
        });
  }
}
