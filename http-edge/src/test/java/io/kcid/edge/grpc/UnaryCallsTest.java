package io.kcid.edge.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class UnaryCallsTest {

  @Test
  void aResponseThenCompletionCompletesWithTheResponse() throws Exception {
    CompletableFuture<String> future = new CompletableFuture<>();
    StreamObserver<String> observer = UnaryCalls.completing(future);
    observer.onNext("answer");
    observer.onCompleted();
    assertThat(future.get()).isEqualTo("answer");
  }

  @Test
  void completionWithoutAResponseFailsTheCallAsInternal() {
    CompletableFuture<String> future = new CompletableFuture<>();
    UnaryCalls.completing(future).onCompleted();
    assertThatThrownBy(future::get)
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL));
  }

  @Test
  void anErrorIsPassedOnUnchanged() {
    CompletableFuture<String> future = new CompletableFuture<>();
    StatusRuntimeException unavailable = Status.UNAVAILABLE.asRuntimeException();
    UnaryCalls.completing(future).onError(unavailable);
    assertThatThrownBy(future::get).cause().isSameAs(unavailable);
  }
}
