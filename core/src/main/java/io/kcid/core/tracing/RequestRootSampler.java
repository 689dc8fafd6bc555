package io.kcid.core.tracing;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;
import java.util.List;

/**
 * Who may start a trace: only a request arriving at the process (a SERVER span), at the configured
 * ratio. Background work (health checks, API key reloads, stream polls, the spool's replays) makes
 * CLIENT spans with no parent: those start no trace, so a collector sees requests, not one trace
 * per Redis PING. Spans with a parent follow it ({@link Sampler#parentBased}).
 */
final class RequestRootSampler implements Sampler {
  private final Sampler ratio;

  private RequestRootSampler(double samplingRatio) {
    this.ratio = Sampler.traceIdRatioBased(samplingRatio);
  }

  /** The process's sampler: parents decide, and only requests start traces. */
  static Sampler of(double samplingRatio) {
    return Sampler.parentBased(new RequestRootSampler(samplingRatio));
  }

  @Override
  public SamplingResult shouldSample(
      Context parentContext, String traceId, String name, SpanKind spanKind, Attributes attributes,
      List<LinkData> parentLinks) {
    if (spanKind != SpanKind.SERVER) {
      return SamplingResult.drop();
    }
    return ratio.shouldSample(parentContext, traceId, name, spanKind, attributes, parentLinks);
  }

  @Override
  public String getDescription() {
    return "RequestRootSampler{" + ratio.getDescription() + "}";
  }
}
