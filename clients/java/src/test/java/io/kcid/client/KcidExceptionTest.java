package io.kcid.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.StringValue;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.kcid.proto.tracking.v1.ErrorReason;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class KcidExceptionTest {
  private static StatusRuntimeException kcidError(Code code, String message, ErrorInfo info) {
    return StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
        .setCode(code.getNumber())
        .setMessage(message)
        .addDetails(Any.pack(StringValue.of("unrelated detail first")))
        .addDetails(Any.pack(info))
        .build());
  }

  private static ErrorInfo info(String reason, String domain) {
    return ErrorInfo.newBuilder().setReason(reason).setDomain(domain).putMetadata("kcid_length", "32").build();
  }

  @Test
  void decodesTheErrorInfoOfTheKcidDomain() {
    KcidException e = KcidException.from(
        kcidError(Code.INVALID_ARGUMENT, "kcid check characters do not match", info("KCID_MAC_MISMATCH", "tracking.kcid.io")));

    assertThat(e.reason()).isEqualTo(ErrorReason.ERROR_REASON_KCID_MAC_MISMATCH);
    assertThat(e.reasonName()).isEqualTo("KCID_MAC_MISMATCH");
    assertThat(e.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.description()).isEqualTo("kcid check characters do not match");
    assertThat(e.metadata()).containsEntry("kcid_length", "32");
    assertThat(e.getMessage()).isEqualTo("INVALID_ARGUMENT KCID_MAC_MISMATCH: kcid check characters do not match");
    assertThat(e.isRetryable()).isFalse();
    assertThat(e.getCause()).isInstanceOf(StatusRuntimeException.class);
    assertThat(e).isInstanceOf(RuntimeException.class);
  }

  @Test
  void mapsEveryKnownReasonByItsWireName() {
    for (ErrorReason reason : ErrorReason.values()) {
      if (reason == ErrorReason.UNRECOGNIZED || reason == ErrorReason.ERROR_REASON_UNSPECIFIED) {
        continue;
      }
      String wire = reason.name().substring("ERROR_REASON_".length());
      KcidException e = KcidException.from(kcidError(Code.NOT_FOUND, "x", info(wire, "tracking.kcid.io")));
      assertThat(e.reason()).as(wire).isEqualTo(reason);
      assertThat(e.reasonName()).isEqualTo(wire);
    }
  }

  @Test
  void keepsTheWireNameOfAReasonThisClientDoesNotKnow() {
    KcidException e = KcidException.from(kcidError(Code.FAILED_PRECONDITION, "new", info("SOMETHING_NEWER", "tracking.kcid.io")));

    assertThat(e.reason()).isEqualTo(ErrorReason.ERROR_REASON_UNSPECIFIED);
    assertThat(e.reasonName()).isEqualTo("SOMETHING_NEWER");
    assertThat(e.code()).isEqualTo(Status.Code.FAILED_PRECONDITION);
  }

  @Test
  void ignoresErrorInfoOfAnotherDomain() {
    KcidException e = KcidException.from(kcidError(Code.PERMISSION_DENIED, "proxy says no", info("ACCOUNT_NOT_FOUND", "proxy.example")));

    assertThat(e.reason()).isEqualTo(ErrorReason.ERROR_REASON_UNSPECIFIED);
    assertThat(e.reasonName()).isEmpty();
    assertThat(e.code()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(e.metadata()).isEmpty();
  }

  @Test
  void transportFailuresHaveACodeButNoReason() {
    KcidException e = KcidException.from(Status.UNAVAILABLE.withDescription("io exception").asRuntimeException());

    assertThat(e.code()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(e.reason()).isEqualTo(ErrorReason.ERROR_REASON_UNSPECIFIED);
    assertThat(e.reasonName()).isEmpty();
    assertThat(e.description()).isEqualTo("io exception");
    assertThat(e.isRetryable()).isTrue();
    assertThat(e.getMessage()).isEqualTo("UNAVAILABLE: io exception");
  }

  @Test
  void aMalformedDetailsTrailerIsTreatedAsAbsent() {
    Metadata trailers = new Metadata();
    trailers.put(Metadata.Key.of("grpc-status-details-bin", Metadata.BINARY_BYTE_MARSHALLER), new byte[] {(byte) 0xff, 1, 2});
    KcidException e = KcidException.from(Status.INTERNAL.asRuntimeException(trailers));

    assertThat(e.code()).isEqualTo(Status.Code.INTERNAL);
    assertThat(e.reasonName()).isEmpty();
  }

  @Test
  void acceptsCheckedStatusExceptionsAndWrappedCauses() {
    StatusRuntimeException sre = kcidError(Code.NOT_FOUND, "no such account", info("ACCOUNT_NOT_FOUND", "tracking.kcid.io"));
    StatusException checked = new StatusException(sre.getStatus(), sre.getTrailers());

    assertThat(KcidException.from(checked).reason()).isEqualTo(ErrorReason.ERROR_REASON_ACCOUNT_NOT_FOUND);
    assertThat(KcidException.from(new ExecutionException(sre)).reason()).isEqualTo(ErrorReason.ERROR_REASON_ACCOUNT_NOT_FOUND);
  }

  @Test
  void aKcidExceptionIsReturnedAsIsAndOtherThrowablesAreUnknown() {
    KcidException e = KcidException.from(Status.ABORTED.asRuntimeException());
    assertThat(KcidException.from((Throwable) e)).isSameAs(e);

    KcidException unknown = KcidException.from(new IllegalStateException("boom"));
    assertThat(unknown.code()).isEqualTo(Status.Code.UNKNOWN);
    assertThat(unknown.reasonName()).isEmpty();
  }
}
