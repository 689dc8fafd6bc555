package io.kcid.core.tracing;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.concurrent.TimeUnit;

/**
 * The process's OpenTelemetry, built from its {@link TracingConfig}: {@link OpenTelemetry#noop()}
 * when tracing is off, else an SDK with W3C trace context, {@link RequestRootSampler} and an OTLP/HTTP
 * exporter (JDK HttpClient, batched) or the configured exporter, database statements dropped
 * ({@link StatementRedactingExporter}). Never registered as the global
 * instance: each server or edge in a JVM (tests run several) has its own. {@link #close()} flushes.
 */
public final class Telemetry implements AutoCloseable {
  private static final AttributeKey<String> SERVICE_NAME = AttributeKey.stringKey("service.name");
  private static final long SHUTDOWN_SECONDS = 5;

  private final OpenTelemetry openTelemetry;
  private final SdkTracerProvider tracerProvider;

  private Telemetry(OpenTelemetry openTelemetry, SdkTracerProvider tracerProvider) {
    this.openTelemetry = openTelemetry;
    this.tracerProvider = tracerProvider;
  }

  /** Starts tracing as {@code config} says, naming the spans' service {@code serviceName}. */
  public static Telemetry start(TracingConfig config, String serviceName) {
    if (!config.enabled()) {
      return new Telemetry(OpenTelemetry.noop(), null);
    }
    SpanProcessor processor = config.exporter() != null
        ? SimpleSpanProcessor.create(new StatementRedactingExporter(config.exporter()))
        : BatchSpanProcessor.builder(new StatementRedactingExporter(OtlpHttpSpanExporter.builder()
            .setEndpoint(tracesUrl(config.otlpEndpoint().toString()))
            .build())).build();
    SdkTracerProvider provider = SdkTracerProvider.builder()
        .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(SERVICE_NAME, serviceName))))
        .setSampler(RequestRootSampler.of(config.samplingRatio()))
        .addSpanProcessor(processor)
        .build();
    OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
        .setTracerProvider(provider)
        .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
        .build();
    return new Telemetry(sdk, provider);
  }

  /** OTLP/HTTP's convention (as OTEL_EXPORTER_OTLP_ENDPOINT): traces go to {@code /v1/traces} under the base URL. */
  static String tracesUrl(String endpoint) {
    return (endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint) + "/v1/traces";
  }

  /** The no-op instance when off: instrumentations built on it cost next to nothing. */
  public OpenTelemetry openTelemetry() {
    return openTelemetry;
  }

  /** Whether spans are made; when not, callers add no tracing interceptors at all. */
  public boolean enabled() {
    return tracerProvider != null;
  }

  /** Exports what is buffered (bounded wait), then stops the exporter. */
  @Override
  public void close() {
    if (tracerProvider != null) {
      tracerProvider.shutdown().join(SHUTDOWN_SECONDS, TimeUnit.SECONDS);
    }
  }
}
