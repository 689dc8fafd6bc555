package io.kcid.edge.http;

import io.kcid.proto.tracking.v1.ErrorReason;

/**
 * Thrown while a request is parsed to reject it with a stable reason. It is control flow, not a
 * fault, so it carries no stack trace.
 */
public final class Rejection extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient ErrorReason reason;

  public Rejection(ErrorReason reason, String message) {
    super(message, null, false, false);
    this.reason = reason;
  }

  public ErrorReason reason() {
    return reason;
  }
}
