package io.kcid.edge.tracing;

import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.kcid.core.tracing.Telemetry;
import io.kcid.core.tracing.TracingConfig;
import io.kcid.edge.http.Route;
import io.kcid.edge.http.RouteHandler;
import io.opentelemetry.instrumentation.grpc.v1_6.GrpcTelemetry;

/**
 * The edge's tracing: a SERVER span per public request ({@link TracedRoute}), current while the
 * handler calls the tracking-server so the gRPC client interceptor (OpenTelemetry's gRPC
 * instrumentation) sends {@code traceparent}; and the spans of coalesced postback calls ({@link
 * BatchCallSpans}). When tracing is off nothing is wrapped: requests and calls run exactly as
 * without it.
 */
public final class EdgeTracing implements AutoCloseable {
  /** The {@code service.name} of the edge's spans. */
  public static final String SERVICE_NAME = "kcid-edge";

  private final Telemetry telemetry;
  private final BatchCallSpans batchCalls;

  private EdgeTracing(Telemetry telemetry) {
    this.telemetry = telemetry;
    this.batchCalls = telemetry.enabled()
        ? BatchCallSpans.tracing(telemetry.openTelemetry().getTracer(SERVICE_NAME))
        : BatchCallSpans.OFF;
  }

  /** Starts the SDK (or the no-op) as {@code config} says. */
  public static EdgeTracing start(TracingConfig config) {
    return new EdgeTracing(Telemetry.start(config, SERVICE_NAME));
  }

  public boolean enabled() {
    return telemetry.enabled();
  }

  /** {@code backend} with a client span per call and {@code traceparent} sent, when tracing is on. */
  public Channel intercept(Channel backend) {
    return enabled()
        ? ClientInterceptors.intercept(backend, GrpcTelemetry.create(telemetry.openTelemetry()).newClientInterceptor())
        : backend;
  }

  /** {@code handler} under a SERVER span named after {@code route}, when tracing is on. */
  public RouteHandler traced(Route route, RouteHandler handler) {
    return enabled() ? new TracedRoute(route, handler, telemetry.openTelemetry()) : handler;
  }

  /** How a coalesced postback call relates to the postbacks it carries. */
  public BatchCallSpans batchCalls() {
    return batchCalls;
  }

  /** Flushes the last spans (bounded wait). */
  @Override
  public void close() {
    telemetry.close();
  }
}
