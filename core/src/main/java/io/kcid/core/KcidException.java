package io.kcid.core;

import io.kcid.proto.tracking.v1.ErrorReason;
import java.util.Map;
import java.util.Objects;

/**
 * A request was refused for a stable {@link ErrorReason}. The message is a human hint telling the
 * caller what to fix; it never contains a secret. The metadata carries machine-readable details
 * with lowerCamelCase keys (for example {@code field} or {@code position}).
 *
 * <p>These are expected, control-flow errors (a bad kcid in a postback, a forged click URL), so
 * the stack trace is not filled in: it would cost more than the work that raised it.
 */
public class KcidException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorReason reason;
  private final Map<String, String> metadata;

  public KcidException(ErrorReason reason, String message) {
    this(reason, message, Map.of());
  }

  public KcidException(ErrorReason reason, String message, Map<String, String> metadata) {
    super(Objects.requireNonNull(message, "message"));
    this.reason = Objects.requireNonNull(reason, "reason");
    this.metadata = Map.copyOf(metadata);
  }

  public ErrorReason reason() {
    return reason;
  }

  /** Immutable details such as {@code position}; empty when there are none. */
  public Map<String, String> metadata() {
    return metadata;
  }

  @Override
  public synchronized Throwable fillInStackTrace() {
    return this;
  }
}
