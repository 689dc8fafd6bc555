package io.kcid.client;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.kcid.proto.ErrorReasons;
import io.kcid.proto.tracking.v1.ErrorReason;
import java.util.Map;
import java.util.Objects;

/**
 * A failed kcid call: the gRPC {@link #code() code}, the server's {@link #description()
 * description} and, when the server said why, the {@link #reason() ErrorReason} from the {@code
 * google.rpc.ErrorInfo} (domain {@value ErrorReasons#DOMAIN}) in the {@code grpc-status-details-bin}
 * trailer. Every call made through {@link KcidClient}'s service wrappers throws this instead of
 * {@link StatusRuntimeException}; the original exception is the {@linkplain #getCause() cause}.
 *
 * <p>A transport failure (server down, deadline exceeded) has no ErrorInfo: its reason is {@link
 * ErrorReason#ERROR_REASON_UNSPECIFIED} and {@link #reasonName()} is empty.
 */
public class KcidException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient Status status;
  private final transient Metadata trailers;
  private final String reasonName;
  private final transient ErrorReason reason;
  private final Map<String, String> metadata;

  private KcidException(Status status, Metadata trailers, ErrorInfo info, Throwable cause) {
    super(message(status, info), cause);
    this.status = status;
    this.trailers = trailers;
    this.reasonName = info == null ? "" : info.getReason();
    this.reason = info == null ? ErrorReason.ERROR_REASON_UNSPECIFIED : ErrorReasons.fromShortName(info.getReason());
    this.metadata = info == null ? Map.of() : Map.copyOf(info.getMetadataMap());
  }

  /** The kcid error behind a gRPC failure ({@link StatusRuntimeException} or {@link StatusException}). */
  public static KcidException from(StatusRuntimeException e) {
    return from((Throwable) e);
  }

  /** The kcid error behind a gRPC failure ({@link StatusRuntimeException} or {@link StatusException}). */
  public static KcidException from(StatusException e) {
    return from((Throwable) e);
  }

  /**
   * The kcid error behind any throwable: a {@code KcidException} is returned as is, a gRPC status
   * anywhere in the cause chain is decoded, anything else becomes {@code UNKNOWN}.
   */
  public static KcidException from(Throwable t) {
    Objects.requireNonNull(t, "t");
    if (t instanceof KcidException k) {
      return k;
    }
    Status status = Status.fromThrowable(t);
    Metadata trailers = Status.trailersFromThrowable(t);
    return new KcidException(status, trailers == null ? new Metadata() : trailers, errorInfo(t), t);
  }

  /**
   * Why the server refused, parsed from the wire name with {@link ErrorReasons#fromShortName};
   * {@code ERROR_REASON_UNSPECIFIED} when there was no kcid ErrorInfo or this client does not know
   * the name (see {@link #reasonName()}).
   */
  public ErrorReason reason() {
    return reason;
  }

  /** The reason as sent, e.g. {@code KCID_MAC_MISMATCH}; empty when the server gave none. */
  public String reasonName() {
    return reasonName;
  }

  /** The gRPC status code, e.g. {@code INVALID_ARGUMENT}. */
  public Status.Code code() {
    return status.getCode();
  }

  /** The server's human-readable message (may be empty). */
  public String description() {
    String d = status.getDescription();
    return d == null ? "" : d;
  }

  /** {@code ErrorInfo.metadata}: structured details of the reason (often empty). */
  public Map<String, String> metadata() {
    return metadata;
  }

  /** The full gRPC status. */
  public Status status() {
    return status;
  }

  /** The trailers the call ended with (empty when it never reached a server). */
  public Metadata trailers() {
    return trailers;
  }

  /** True when the outcome is unknown and repeating the same request (same request id) is safe. */
  public boolean isRetryable() {
    Status.Code code = code();
    return code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED;
  }

  private static ErrorInfo errorInfo(Throwable t) {
    com.google.rpc.Status details;
    try {
      details = StatusProto.fromThrowable(t);
    } catch (RuntimeException malformed) {
      return null; // an undecodable grpc-status-details-bin is treated as absent
    }
    if (details == null) {
      return null;
    }
    for (Any any : details.getDetailsList()) {
      if (any.is(ErrorInfo.class)) {
        try {
          ErrorInfo info = any.unpack(ErrorInfo.class);
          if (ErrorReasons.DOMAIN.equals(info.getDomain())) {
            return info;
          }
        } catch (InvalidProtocolBufferException ignored) {
          // skip a detail that does not parse; another may
        }
      }
    }
    return null;
  }

  private static String message(Status status, ErrorInfo info) {
    StringBuilder m = new StringBuilder(status.getCode().name());
    if (info != null && !info.getReason().isEmpty()) {
      m.append(' ').append(info.getReason());
    }
    if (status.getDescription() != null && !status.getDescription().isEmpty()) {
      m.append(": ").append(status.getDescription());
    }
    return m.toString();
  }
}
