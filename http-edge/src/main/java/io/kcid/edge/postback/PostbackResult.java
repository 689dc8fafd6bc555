package io.kcid.edge.postback;

import io.kcid.edge.grpc.BackendFailure;
import io.kcid.edge.http.Rejection;
import io.kcid.proto.ErrorReasons;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.proto.tracking.v1.RecordConversionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one postback came to, before it becomes an HTTP answer ({@code /postback}) or a batch item
 * ({@code /postbacks}). Success is only ever what the server said it was.
 *
 * @param kind accepted, duplicate, or failed
 * @param reason the duplicate or failure reason; for an accepted postback the fraud rule that
 *     chose or marked its status (null when none)
 * @param message the human hint (null when accepted without a fraud rule)
 * @param conversionId the conversion recorded or named, or null
 * @param failure the backend's failure, when it is one (for legacy 200), else null
 */
record PostbackResult(Kind kind, ErrorReason reason, String message, String conversionId, BackendFailure failure) {
  private static final Logger log = LoggerFactory.getLogger(PostbackResult.class);

  enum Kind { ACCEPTED, DUPLICATE, FAILED }

  private static final java.util.Map<ErrorReason, String> FLAG_HINTS = java.util.Map.of(
      ErrorReason.ERROR_REASON_CLICK_FLAGGED_BOT, "its click was flagged as a bot when issued",
      ErrorReason.ERROR_REASON_CLICK_FLAGGED_DATACENTER, "its click came from a data-centre range",
      ErrorReason.ERROR_REASON_VELOCITY_EXCEEDED,
      "too many conversions came from clicks of one network within a minute (the account's velocity rule)",
      ErrorReason.ERROR_REASON_CAP_REACHED,
      "it is over one of the account's conversion caps (./kcid cap list) and does not count toward it");

  static PostbackResult of(RecordConversionRequest sent, RecordConversionResponse recorded) {
    switch (recorded.getOutcome()) {
      case OUTCOME_ACCEPTED -> {
        ErrorReason flagged = recorded.getConversion().getStatusReason();
        if (flagged == ErrorReason.ERROR_REASON_UNSPECIFIED || flagged == ErrorReason.UNRECOGNIZED) {
          return new PostbackResult(Kind.ACCEPTED, null, null, recorded.getConversionId(), null);
        }
        // Recorded, but a fraud rule chose or marked its status: say which, so it is never silent.
        String status = recorded.getConversion().getStatus().name().replace("CONVERSION_STATUS_", "").toLowerCase(java.util.Locale.ROOT);
        return new PostbackResult(Kind.ACCEPTED, flagged,
            "Recorded as " + status + "; " + FLAG_HINTS.getOrDefault(flagged, "a fraud rule applied") + ".",
            recorded.getConversionId(), null);
      }
      case OUTCOME_DUPLICATE -> {
        ErrorReason reason =
            recorded.getDuplicateReason() == ErrorReason.ERROR_REASON_UNSPECIFIED
                    || recorded.getDuplicateReason() == ErrorReason.UNRECOGNIZED
                ? ErrorReason.ERROR_REASON_DUPLICATE_CONVERSION
                : recorded.getDuplicateReason();
        return new PostbackResult(
            Kind.DUPLICATE,
            reason,
            "Already recorded as " + recorded.getConversionId() + "; nothing new was written.",
            recorded.getConversionId(),
            null);
      }
      default -> {
        // Not an outcome this edge knows: never claim success for it.
        log.error("tracking-server answered a conversion with outcome {} (request_id set: {})",
            recorded.getOutcomeValue(), !sent.getRequestId().isEmpty());
        return internal("The tracking backend gave an answer this edge does not understand; it has been logged.");
      }
    }
  }

  static PostbackResult failed(BackendFailure failure) {
    return new PostbackResult(Kind.FAILED, failure.reason(), failure.message(), failure.conversionId(), failure);
  }

  static PostbackResult rejected(Rejection rejection) {
    return new PostbackResult(Kind.FAILED, rejection.reason(), rejection.getMessage(), null, null);
  }

  static PostbackResult internal(String message) {
    return new PostbackResult(Kind.FAILED, ErrorReason.ERROR_REASON_INTERNAL, message, null, null);
  }

  /** The metrics outcome label. */
  String outcome() {
    return switch (kind) {
      case ACCEPTED -> "accepted";
      case DUPLICATE -> "duplicate";
      case FAILED -> "rejected";
    };
  }

  /** The metrics reason label: the short name, "none" when accepted. */
  String reasonLabel() {
    return reason == null || kind == Kind.ACCEPTED ? "none" : ErrorReasons.shortName(reason);
  }
}
