package io.kcid.proto;

import io.grpc.Status;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.ErrorReasonProto;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads the one error table of kcid: the {@code grpc_code} and {@code http_status} options on each
 * {@link ErrorReason} value in {@code error_reason.proto}. Servers, the edge and clients all go
 * through here so a reason maps to the same statuses everywhere.
 */
public final class ErrorReasons {
  /** {@code google.rpc.ErrorInfo.domain} of every kcid error. */
  public static final String DOMAIN = "tracking.kcid.io";

  private static final String PREFIX = "ERROR_REASON_";
  private static final Map<ErrorReason, Status.Code> GRPC = new EnumMap<>(ErrorReason.class);
  private static final Map<ErrorReason, Integer> HTTP = new EnumMap<>(ErrorReason.class);
  private static final Map<String, ErrorReason> BY_SHORT_NAME = new HashMap<>();

  static {
    for (ErrorReason reason : ErrorReason.values()) {
      if (reason == ErrorReason.UNRECOGNIZED) {
        continue;
      }
      var options = reason.getValueDescriptor().getOptions();
      GRPC.put(reason, Status.Code.valueOf(options.getExtension(ErrorReasonProto.grpcCode)));
      HTTP.put(reason, options.getExtension(ErrorReasonProto.httpStatus));
      BY_SHORT_NAME.put(shortName(reason), reason);
    }
  }

  private ErrorReasons() {}

  /** The canonical gRPC code for this reason. */
  public static Status.Code grpcCode(ErrorReason reason) {
    return GRPC.getOrDefault(reason, Status.Code.UNKNOWN);
  }

  /** The HTTP status the edge answers with for this reason. */
  public static int httpStatus(ErrorReason reason) {
    return HTTP.getOrDefault(reason, 500);
  }

  /** The reason as it travels on the wire: the enum name without {@code ERROR_REASON_}. */
  public static String shortName(ErrorReason reason) {
    String name = reason.name();
    return name.startsWith(PREFIX) ? name.substring(PREFIX.length()) : name;
  }

  /** Parses a wire reason ({@code KCID_MAC_MISMATCH}); unknown names give UNSPECIFIED. */
  public static ErrorReason fromShortName(String shortName) {
    return BY_SHORT_NAME.getOrDefault(shortName, ErrorReason.ERROR_REASON_UNSPECIFIED);
  }

  /** True when the outcome of the failed operation is unknown and a retry is safe. */
  public static boolean isRetryable(ErrorReason reason) {
    Status.Code code = grpcCode(reason);
    return code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED;
  }
}
