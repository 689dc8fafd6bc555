package io.kcid.proto;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.ErrorReasonProto;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ErrorReasonsTest {

  @Test
  void everyReasonDeclaresBothStatusesExplicitly() {
    Arrays.stream(ErrorReason.values())
        .filter(r -> r != ErrorReason.UNRECOGNIZED)
        .forEach(
            r -> {
              var options = r.getValueDescriptor().getOptions();
              assertThat(options.hasExtension(ErrorReasonProto.grpcCode)).as(r.name()).isTrue();
              assertThat(options.hasExtension(ErrorReasonProto.httpStatus)).as(r.name()).isTrue();
              assertThat(ErrorReasons.httpStatus(r)).as(r.name()).isBetween(400, 599);
            });
  }

  @Test
  void clientMistakesAreNeverServerErrorsAndUnknownOutcomesAreNever2xxOr4xx() {
    for (ErrorReason r : ErrorReason.values()) {
      if (r == ErrorReason.UNRECOGNIZED) {
        continue;
      }
      Status.Code code = ErrorReasons.grpcCode(r);
      int http = ErrorReasons.httpStatus(r);
      if (code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED) {
        assertThat(http).as(r.name()).isEqualTo(503);
        assertThat(ErrorReasons.isRetryable(r)).isTrue();
      } else if (code == Status.Code.INVALID_ARGUMENT
          || code == Status.Code.NOT_FOUND
          || code == Status.Code.FAILED_PRECONDITION
          || code == Status.Code.PERMISSION_DENIED
          || code == Status.Code.UNAUTHENTICATED
          || code == Status.Code.ALREADY_EXISTS
          || code == Status.Code.RESOURCE_EXHAUSTED) {
        assertThat(http).as(r.name()).isBetween(400, 499);
      }
    }
  }

  @Test
  void shortNamesRoundTrip() {
    assertThat(ErrorReasons.shortName(ErrorReason.ERROR_REASON_KCID_MAC_MISMATCH))
        .isEqualTo("KCID_MAC_MISMATCH");
    for (ErrorReason r : ErrorReason.values()) {
      if (r != ErrorReason.UNRECOGNIZED) {
        assertThat(ErrorReasons.fromShortName(ErrorReasons.shortName(r))).isEqualTo(r);
      }
    }
    assertThat(ErrorReasons.fromShortName("NO_SUCH_REASON"))
        .isEqualTo(ErrorReason.ERROR_REASON_UNSPECIFIED);
  }
}
