package io.kcid.edge.http;

import io.kcid.proto.tracking.v1.ErrorReason;
import java.util.function.UnaryOperator;

/**
 * Thrown while a request is parsed to reject it with a stable reason. It is control flow, not a
 * fault, so it carries no stack trace.
 */
public final class Rejection extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient ErrorReason reason;
  private final transient UnaryOperator<EdgeResponse> decoration;
  private final long retryAfterSeconds;

  public Rejection(ErrorReason reason, String message) {
    this(reason, message, UnaryOperator.identity(), 0);
  }

  /**
   * A rejection whose answer gets extra headers ({@code decoration}) and, when {@code retryAfterSeconds}
   * is positive, that {@code Retry-After} instead of the configured one (a rate limit knows when it refills).
   */
  public Rejection(ErrorReason reason, String message, UnaryOperator<EdgeResponse> decoration, long retryAfterSeconds) {
    super(message, null, false, false);
    this.reason = reason;
    this.decoration = decoration;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public ErrorReason reason() {
    return reason;
  }

  /** The answer to this rejection. */
  public EdgeResponse toResponse(Responses responses) {
    EdgeResponse response = responses.rejected(reason, getMessage());
    if (retryAfterSeconds > 0) {
      response = response.withHeader("Retry-After", Long.toString(retryAfterSeconds));
    }
    return decoration.apply(response);
  }
}
