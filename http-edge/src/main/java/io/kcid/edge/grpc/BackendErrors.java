package io.kcid.edge.grpc;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import io.kcid.proto.ErrorReasons;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.ItemError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that turns a failed gRPC call into a reason. A kcid {@link ErrorInfo} wins; without
 * one the status code decides, with two rules: an unknown outcome is never answered 2xx (it is 503
 * BACKEND_UNAVAILABLE, safe to retry), and a fault of the edge or the backend is never blamed on the
 * client (it is 500 INTERNAL, never a 4xx).
 */
public final class BackendErrors {
  private static final Logger log = LoggerFactory.getLogger(BackendErrors.class);

  static final String UNAVAILABLE_MESSAGE =
      "The tracking backend is unreachable or did not answer in time; the outcome is unknown. "
          + "Retry the same request later.";
  static final String INTERNAL_MESSAGE = "The request could not be processed because of a server error; it has been logged.";

  /** ErrorInfo metadata key the server sets for accounts that want every postback answered 200. */
  public static final String LEGACY_HTTP_200 = "legacyHttp200";

  private BackendErrors() {}

  /**
   * API_KEY_INVALID or API_KEY_ROLE_MISSING when the server refused the call's API key, else null.
   * For calls made with a human's key (the web view) that is the human's answer, not the edge's fault.
   */
  public static ErrorReason keyRefusal(Throwable failure) {
    ErrorInfo info = kcidErrorInfo(failure);
    ErrorReason reason = info == null ? ErrorReason.ERROR_REASON_UNSPECIFIED : ErrorReasons.fromShortName(info.getReason());
    return reason == ErrorReason.ERROR_REASON_API_KEY_INVALID || reason == ErrorReason.ERROR_REASON_API_KEY_ROLE_MISSING ? reason : null;
  }

  /**
   * Maps a failed call (any throwable; wrappers such as CompletionException are looked through). A
   * coalesced item's own error maps as {@link #classify(ItemError)}: the answer it gets alone.
   */
  public static BackendFailure classify(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof CallCoalescer.ItemFailedException item) {
        return classify(item.error());
      }
    }
    Status status = Status.fromThrowable(failure);
    ErrorInfo info = kcidErrorInfo(failure);
    if (info != null) {
      ErrorReason reason = ErrorReasons.fromShortName(info.getReason());
      if (reason == ErrorReason.ERROR_REASON_API_KEY_INVALID || reason == ErrorReason.ERROR_REASON_API_KEY_ROLE_MISSING) {
        // The edge's own credentials, not the sender's: never a 401/403 to an advertiser. Resend later.
        log.error("tracking-server refused this edge's API key ({}): set KCID_EDGE_API_KEY to a key with the issue and ingest roles",
            info.getReason());
        return new BackendFailure(ErrorReason.ERROR_REASON_BACKEND_UNAVAILABLE, UNAVAILABLE_MESSAGE, null, status.getCode());
      }
      if (reason != ErrorReason.ERROR_REASON_UNSPECIFIED) {
        String message = status.getDescription() == null ? ErrorReasons.shortName(reason) : status.getDescription();
        String conversionId = info.getMetadataOrDefault("conversionId", null);
        return new BackendFailure(reason, message, conversionId, status.getCode(), legacyHttp200(info.getMetadataMap()));
      }
      // A reason this edge does not know (a newer server): fall back to the code, never guess a 4xx.
      log.warn("backend answered {} with an unknown reason '{}'", status.getCode(), info.getReason());
    }
    return byCode(status);
  }

  /**
   * Maps the error of one batch item. A reason this edge does not know is never guessed into a 4xx:
   * it becomes INTERNAL (and is logged).
   */
  public static BackendFailure classify(ItemError error) {
    ErrorReason reason = error.getReason();
    if (reason == ErrorReason.ERROR_REASON_UNSPECIFIED || reason == ErrorReason.UNRECOGNIZED) {
      log.error("backend answered a batch item with an unknown reason ({})", error.getReasonValue());
      return new BackendFailure(ErrorReason.ERROR_REASON_INTERNAL, INTERNAL_MESSAGE, null, Status.Code.INTERNAL);
    }
    String message = error.getMessage().isEmpty() ? ErrorReasons.shortName(reason) : error.getMessage();
    String conversionId = error.getMetadataOrDefault("conversionId", null);
    return new BackendFailure(
        reason, message, conversionId, ErrorReasons.grpcCode(reason), legacyHttp200(error.getMetadataMap()));
  }

  /** ErrorInfo (or ItemError) metadata {@code legacyHttp200} is {@code true}. */
  private static boolean legacyHttp200(java.util.Map<String, String> metadata) {
    return "true".equalsIgnoreCase(metadata.get(LEGACY_HTTP_200));
  }

  private static BackendFailure byCode(Status status) {
    Status.Code code = status.getCode();
    switch (code) {
      case UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED, RESOURCE_EXHAUSTED, ABORTED -> {
        return new BackendFailure(ErrorReason.ERROR_REASON_BACKEND_UNAVAILABLE, UNAVAILABLE_MESSAGE, null, code);
      }
      case UNAUTHENTICATED, PERMISSION_DENIED -> {
        // The edge itself was refused: a deployment problem (API key, roles), not the client's fault.
        log.error("tracking-server refused the edge's call ({}): check the edge's credentials and roles", code);
        return new BackendFailure(ErrorReason.ERROR_REASON_INTERNAL, INTERNAL_MESSAGE, null, code);
      }
      default -> {
        log.error("backend call failed with {}: {}", code, status.getDescription(), status.getCause());
        return new BackendFailure(ErrorReason.ERROR_REASON_INTERNAL, INTERNAL_MESSAGE, null, code);
      }
    }
  }

  private static ErrorInfo kcidErrorInfo(Throwable failure) {
    com.google.rpc.Status proto = StatusProto.fromThrowable(failure);
    if (proto == null) {
      return null;
    }
    for (Any detail : proto.getDetailsList()) {
      if (detail.is(ErrorInfo.class)) {
        try {
          ErrorInfo info = detail.unpack(ErrorInfo.class);
          if (ErrorReasons.DOMAIN.equals(info.getDomain())) {
            return info;
          }
        } catch (InvalidProtocolBufferException e) {
          log.warn("backend sent an unreadable ErrorInfo detail", e);
        }
      }
    }
    return null;
  }
}
