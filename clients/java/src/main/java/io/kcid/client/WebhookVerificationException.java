package io.kcid.client;

import java.util.Optional;

/**
 * A webhook that did not verify: answer it with a 4xx (kcid does not retry a 4xx other than
 * 408/429). Never holds a secret.
 */
public final class WebhookVerificationException extends Exception {
  private static final long serialVersionUID = 1L;

  /** Why a webhook was refused. */
  public enum Reason {
    /** {@code webhook-id}, {@code webhook-timestamp} or {@code webhook-signature} is missing or empty. */
    MISSING_HEADER,
    /** {@code webhook-timestamp} is not unix seconds. */
    INVALID_TIMESTAMP,
    /** The timestamp is further from now than the tolerance, either way: a replay, or a clock that is off. */
    TIMESTAMP_OUT_OF_TOLERANCE,
    /** No {@code v1} entry matches any secret: the body was changed, or the secret is not this destination's. */
    NO_MATCHING_SIGNATURE
  }

  private final Reason reason;
  private final String header;

  WebhookVerificationException(Reason reason, String header) {
    super(header == null ? "kcid webhook: " + reason : "kcid webhook: " + reason + ": " + header);
    this.reason = reason;
    this.header = header;
  }

  public Reason reason() {
    return reason;
  }

  /** The header at fault (MISSING_HEADER, INVALID_TIMESTAMP). */
  public Optional<String> header() {
    return Optional.ofNullable(header);
  }
}
