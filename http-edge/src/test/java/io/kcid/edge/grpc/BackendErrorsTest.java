package io.kcid.edge.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import io.kcid.edge.support.FakeBackend;
import io.kcid.proto.ErrorReasons;
import io.kcid.proto.tracking.v1.ErrorReason;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class BackendErrorsTest {

  @Test
  void kcidErrorInfoWinsAndKeepsTheMessageAndConversionId() {
    BackendFailure failure =
        BackendErrors.classify(
            new CompletionException(FakeBackend.kcidError(ErrorReason.ERROR_REASON_REQUEST_ID_REUSED, "reused", "K-1")));
    assertThat(failure.reason()).isEqualTo(ErrorReason.ERROR_REASON_REQUEST_ID_REUSED);
    assertThat(failure.message()).isEqualTo("reused");
    assertThat(failure.conversionId()).isEqualTo("K-1");
    assertThat(failure.code()).isEqualTo(Status.Code.ALREADY_EXISTS);
  }

  @ParameterizedTest
  @EnumSource(
      value = Status.Code.class,
      names = {"UNAVAILABLE", "DEADLINE_EXCEEDED", "CANCELLED", "RESOURCE_EXHAUSTED", "ABORTED"})
  void unknownOutcomesAreBackendUnavailable(Status.Code code) {
    BackendFailure failure = BackendErrors.classify(FakeBackend.plain(code));
    assertThat(failure.reason()).isEqualTo(ErrorReason.ERROR_REASON_BACKEND_UNAVAILABLE);
    assertThat(ErrorReasons.httpStatus(failure.reason())).isEqualTo(503);
  }

  @ParameterizedTest
  @EnumSource(
      value = Status.Code.class,
      names = {"UNAUTHENTICATED", "PERMISSION_DENIED", "INVALID_ARGUMENT", "NOT_FOUND", "INTERNAL", "UNKNOWN", "UNIMPLEMENTED"})
  void everythingElseWithoutInfoIsInternalNeverAClientError(Status.Code code) {
    BackendFailure failure = BackendErrors.classify(FakeBackend.plain(code));
    assertThat(failure.reason()).isEqualTo(ErrorReason.ERROR_REASON_INTERNAL);
    assertThat(ErrorReasons.httpStatus(failure.reason())).isEqualTo(500);
  }

  @Test
  void foreignDomainOrUnknownReasonFallsBackToTheCode() {
    var foreign =
        StatusProto.toStatusRuntimeException(
            com.google.rpc.Status.newBuilder()
                .setCode(Status.Code.INVALID_ARGUMENT.value())
                .addDetails(Any.pack(ErrorInfo.newBuilder().setReason("CLICK_NOT_FOUND").setDomain("example.com").build()))
                .build());
    assertThat(BackendErrors.classify(foreign).reason()).isEqualTo(ErrorReason.ERROR_REASON_INTERNAL);

    var newer =
        StatusProto.toStatusRuntimeException(
            com.google.rpc.Status.newBuilder()
                .setCode(Status.Code.UNAVAILABLE.value())
                .addDetails(Any.pack(ErrorInfo.newBuilder().setReason("SOMETHING_NEW").setDomain(ErrorReasons.DOMAIN).build()))
                .build());
    assertThat(BackendErrors.classify(newer).reason()).isEqualTo(ErrorReason.ERROR_REASON_BACKEND_UNAVAILABLE);
  }

  @Test
  void aNonGrpcThrowableIsInternal() {
    assertThat(BackendErrors.classify(new IllegalStateException("boom")).reason()).isEqualTo(ErrorReason.ERROR_REASON_INTERNAL);
  }
}
