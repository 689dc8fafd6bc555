package io.kcid.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.internal.testing.StreamRecorder;
import io.grpc.protobuf.StatusProto;
import io.kcid.core.KcidException;
import io.kcid.proto.ErrorReasons;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.lettuce.core.RedisCommandTimeoutException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** How handler outcomes become gRPC replies: the error table, ErrorInfo, no leaked internals. */
class RepliesTest {

  private static <T> StreamRecorder<T> reply(java.util.function.Supplier<java.util.concurrent.CompletionStage<T>> call)
      throws Exception {
    StreamRecorder<T> recorder = StreamRecorder.create();
    Replies.reply(recorder, call);
    assertThat(recorder.awaitCompletion(5, TimeUnit.SECONDS)).isTrue();
    return recorder;
  }

  private static ErrorInfo errorInfo(Throwable t) throws Exception {
    return StatusProto.fromThrowable(t).getDetails(0).unpack(ErrorInfo.class);
  }

  @Test
  void aValueCompletesTheCall() throws Exception {
    StreamRecorder<String> r = reply(() -> CompletableFuture.completedFuture("ok"));
    assertThat(r.getValues()).containsExactly("ok");
    assertThat(r.getError()).isNull();
  }

  @Test
  void synchronousValidationErrorsUseTheReasonTable() throws Exception {
    StreamRecorder<String> r = reply(() -> {
      throw new KcidException(ErrorReason.ERROR_REASON_KCID_TOO_SHORT, "too short", Map.of("length", "20"));
    });
    assertThat(Status.fromThrowable(r.getError()).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    ErrorInfo info = errorInfo(r.getError());
    assertThat(info.getReason()).isEqualTo("KCID_TOO_SHORT");
    assertThat(info.getDomain()).isEqualTo(ErrorReasons.DOMAIN);
    assertThat(info.getMetadataMap()).containsEntry("length", "20");
    assertThat(Status.fromThrowable(r.getError()).getDescription()).isEqualTo("too short");
  }

  @Test
  void asynchronousFailuresMapTheSameWay() throws Exception {
    StreamRecorder<String> r = reply(() -> CompletableFuture.failedFuture(
        new KcidException(ErrorReason.ERROR_REASON_STORE_TIMEOUT, "unknown outcome")));
    assertThat(Status.fromThrowable(r.getError()).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(errorInfo(r.getError()).getReason()).isEqualTo("STORE_TIMEOUT");
  }

  @Test
  void unexpectedFailuresAreInternalAndLeakNothing() throws Exception {
    StreamRecorder<String> r = reply(() -> CompletableFuture.failedFuture(
        new IllegalStateException("secret internal detail redis://:hunter2@db")));
    assertThat(Status.fromThrowable(r.getError()).getCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(errorInfo(r.getError()).getReason()).isEqualTo("INTERNAL");
    assertThat(Status.fromThrowable(r.getError()).getDescription()).doesNotContain("hunter2", "secret");
  }

  @Test
  void aRawLettuceTimeoutThatEscapedTheStoreIsStillNotASuccess() throws Exception {
    // Stores translate Lettuce errors; if one slipped through it must never look like success.
    StreamRecorder<String> r = reply(() -> CompletableFuture.failedFuture(new RedisCommandTimeoutException("t")));
    assertThat(r.getValues()).isEmpty();
    assertThat(r.getError()).isNotNull();
  }
}
