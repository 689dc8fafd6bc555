package io.kcid.edge.grpc;

import io.grpc.Status;
import io.kcid.proto.tracking.v1.ErrorReason;

/**
 * What a failed backend call means for the HTTP answer.
 *
 * @param reason the stable reason (its HTTP status comes from the table)
 * @param message human hint for the JSON body
 * @param conversionId the conversion the error refers to, or null
 * @param code the gRPC status code, for metrics and logs
 * @param legacyHttp200 the account wants every postback answered 200 (ErrorInfo metadata
 *     {@code legacyHttp200=true}); the edge still answers 503/429 when the sender must resend
 */
public record BackendFailure(
    ErrorReason reason, String message, String conversionId, Status.Code code, boolean legacyHttp200) {

  public BackendFailure(ErrorReason reason, String message, String conversionId, Status.Code code) {
    this(reason, message, conversionId, code, false);
  }
}
