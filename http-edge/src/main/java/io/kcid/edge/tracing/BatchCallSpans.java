package io.kcid.edge.tracing;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.util.List;

/**
 * Spans of a coalesced call ({@code IssueClicks}, {@code RecordConversions}), which carries the
 * single requests one event loop read in one pass, each with a request span of its own. A span has
 * one parent, so: the call runs under a "{@code <method>}{@value #SUFFIX}" span that is a child of
 * the FIRST request's span (its trace holds the server's and Redis' spans), links to every other
 * request's span, and each of those links back to it. A trace UI shows the first request's trace
 * whole, and a jump from any other one.
 */
public final class BatchCallSpans {
  static final String SUFFIX = " batch";
  private static final AttributeKey<Long> ITEMS = AttributeKey.longKey("kcid.batch.items");

  /** Tracing off: the call runs in the first request's context (the root one) under no span. */
  public static final BatchCallSpans OFF = new BatchCallSpans(null);

  private final Tracer tracer;

  private BatchCallSpans(Tracer tracer) {
    this.tracer = tracer;
  }

  static BatchCallSpans tracing(Tracer tracer) {
    return new BatchCallSpans(tracer);
  }

  /**
   * A started batch call: make {@link #context()} current while the call starts, then {@link #end}
   * it when the call completes.
   */
  public record Started(Context context, Span span) {
    /** Ends the span; an error status when the call failed as a whole. */
    public void end(Throwable failure) {
      if (failure != null) {
        span.setStatus(StatusCode.ERROR);
      }
      span.end();
    }
  }

  /**
   * Starts the span of a {@code method} call carrying requests whose contexts (captured as each was
   * queued) are {@code items}.
   */
  public Started start(List<Context> items, String method) {
    Context first = items.get(0);
    if (tracer == null) {
      return new Started(first, Span.getInvalid());
    }
    SpanBuilder builder = tracer.spanBuilder(method + SUFFIX)
        .setParent(first)
        .setSpanKind(SpanKind.INTERNAL)
        .setAttribute(ITEMS, (long) items.size());
    for (int i = 1; i < items.size(); i++) {
      SpanContext other = Span.fromContext(items.get(i)).getSpanContext();
      if (other.isValid()) {
        builder.addLink(other);
      }
    }
    Span span = builder.startSpan();
    for (int i = 1; i < items.size(); i++) {
      Span.fromContext(items.get(i)).addLink(span.getSpanContext());
    }
    return new Started(first.with(span), span);
  }
}
