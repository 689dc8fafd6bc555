package io.kcid.server.common;

import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.kcid.core.KcidException;
import io.kcid.proto.ErrorReasons;
import io.kcid.proto.tracking.v1.ErrorReason;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where failures become gRPC statuses: the code comes from the reason's
 * {@code grpc_code} option, the reason travels as {@code google.rpc.ErrorInfo}. Unexpected
 * failures are logged with their cause and answered INTERNAL without internal detail.
 */
public final class GrpcErrors {
  private static final Logger log = LoggerFactory.getLogger(GrpcErrors.class);

  private GrpcErrors() {}

  public static StatusRuntimeException toStatus(Throwable failure) {
    Throwable t = failure;
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof StatusRuntimeException s) {
      return s;
    }
    if (t instanceof KcidException k) {
      if (ErrorReasons.isRetryable(k.reason())) {
        log.warn("unknown outcome: {} {}", ErrorReasons.shortName(k.reason()), k.getMessage());
      }
      return of(k.reason(), k.getMessage(), k.metadata());
    }
    log.error("internal error", t);
    return of(
        ErrorReason.ERROR_REASON_INTERNAL,
        "Internal error; the request was not processed. It has been logged.",
        java.util.Map.of());
  }

  /** The status (code and ErrorInfo trailer) of a reason, for interceptors that refuse a call. */
  public static StatusRuntimeException status(
      ErrorReason reason, String message, java.util.Map<String, String> metadata) {
    return of(reason, message, metadata);
  }

  static StatusRuntimeException of(
      ErrorReason reason, String message, java.util.Map<String, String> metadata) {
    ErrorInfo info =
        ErrorInfo.newBuilder()
            .setReason(ErrorReasons.shortName(reason))
            .setDomain(ErrorReasons.DOMAIN)
            .putAllMetadata(metadata)
            .build();
    com.google.rpc.Status status =
        com.google.rpc.Status.newBuilder()
            .setCode(ErrorReasons.grpcCode(reason).value())
            .setMessage(message)
            .addDetails(Any.pack(info))
            .build();
    return StatusProto.toStatusRuntimeException(status);
  }
}
