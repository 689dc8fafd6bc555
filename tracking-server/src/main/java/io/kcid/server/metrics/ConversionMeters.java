package io.kcid.server.metrics;

import io.kcid.core.KcidException;
import io.kcid.proto.ErrorReasons;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.Outcome;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.proto.tracking.v1.RecordConversionResponse;
import io.kcid.server.postback.RecordContext;
import io.kcid.server.postback.RecordListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * {@code kcid_server_conversions_total{outcome,reason}}: every postback the server decided, by
 * outcome and {@link ErrorReason} short name. Outcomes: {@code accepted} (reason {@code none}),
 * {@code duplicate} (DUPLICATE_CONVERSION, DUPLICATE_TRANSACTION), {@code refused} (a final answer
 * with its reason), {@code unknown} (STORE_UNAVAILABLE, STORE_TIMEOUT…: the sender retries) and
 * {@code error} (INTERNAL). Every pair is registered at zero up front.
 */
final class ConversionMeters implements RecordListener {
  static final String NAME = "kcid.server.conversions";
  private static final String NONE = "none";

  private final Map<String, Counter> counters = new HashMap<>();

  ConversionMeters(MeterRegistry registry) {
    register(registry, "accepted", NONE);
    register(registry, "duplicate", ErrorReasons.shortName(ErrorReason.ERROR_REASON_DUPLICATE_CONVERSION));
    register(registry, "duplicate", ErrorReasons.shortName(ErrorReason.ERROR_REASON_DUPLICATE_TRANSACTION));
    register(registry, "error", ErrorReasons.shortName(ErrorReason.ERROR_REASON_INTERNAL));
    for (ErrorReason reason : ErrorReason.values()) {
      if (reason != ErrorReason.UNRECOGNIZED && reason != ErrorReason.ERROR_REASON_UNSPECIFIED
          && reason != ErrorReason.ERROR_REASON_INTERNAL
          && reason != ErrorReason.ERROR_REASON_DUPLICATE_CONVERSION
          && reason != ErrorReason.ERROR_REASON_DUPLICATE_TRANSACTION) {
        register(registry, failedOutcome(reason), ErrorReasons.shortName(reason));
      }
    }
  }

  private void register(MeterRegistry registry, String outcome, String reason) {
    counters.put(key(outcome, reason), Counter.builder(NAME)
        .description("Postbacks decided by the tracking-server, by outcome and reason")
        .tag("outcome", outcome)
        .tag("reason", reason)
        .register(registry));
  }

  @Override
  public void completed(
      RecordConversionRequest request, RecordContext context, RecordConversionResponse response, Throwable failure) {
    if (response != null) {
      if (response.getOutcome() == Outcome.OUTCOME_DUPLICATE) {
        count("duplicate", ErrorReasons.shortName(response.getDuplicateReason()));
      } else {
        count("accepted", NONE);
      }
      return;
    }
    Throwable t = failure;
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof KcidException k && k.reason() != ErrorReason.ERROR_REASON_INTERNAL) {
      count(failedOutcome(k.reason()), ErrorReasons.shortName(k.reason()));
    } else {
      count("error", ErrorReasons.shortName(ErrorReason.ERROR_REASON_INTERNAL));
    }
  }

  private void count(String outcome, String reason) {
    Counter counter = counters.get(key(outcome, reason));
    if (counter != null) { // every reachable pair is registered; anything else is not worth a new series
      counter.increment();
    }
  }

  private static String failedOutcome(ErrorReason reason) {
    return ErrorReasons.isRetryable(reason) ? "unknown" : "refused";
  }

  private static String key(String outcome, String reason) {
    return outcome + '/' + reason;
  }
}
