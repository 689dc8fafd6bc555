package io.kcid.server.postback;

import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.proto.tracking.v1.RecordConversionResponse;

/** Told about every postback once its outcome is known (not about dry runs). Must not throw. */
@FunctionalInterface
public interface RecordListener {
  RecordListener NONE = (request, context, response, failure) -> {};

  /**
   * @param response the answer, or null when the postback failed
   * @param failure why it failed (a rejection or an unknown outcome), or null
   */
  void completed(
      RecordConversionRequest request, RecordContext context, RecordConversionResponse response, Throwable failure);

  /** This listener, then {@code next} (the postback log, then the metrics). */
  default RecordListener andThen(RecordListener next) {
    return (request, context, response, failure) -> {
      completed(request, context, response, failure);
      next.completed(request, context, response, failure);
    };
  }
}
