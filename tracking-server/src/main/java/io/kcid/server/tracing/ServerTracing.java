package io.kcid.server.tracing;

import io.grpc.ServerBuilder;
import io.kcid.core.tracing.Telemetry;
import io.kcid.core.tracing.TracingConfig;
import io.lettuce.core.tracing.Tracing;
import io.opentelemetry.instrumentation.grpc.v1_6.GrpcTelemetry;
import io.opentelemetry.instrumentation.lettuce.v5_1.LettuceTelemetry;

/**
 * The tracking-server's tracing: a gRPC server interceptor that continues the caller's W3C trace
 * ({@code traceparent} metadata), and Lettuce's {@link Tracing} that makes a CLIENT span per Redis
 * command issued while a call's span is current. Both come from the OpenTelemetry instrumentation
 * libraries; when tracing is off neither is installed, so calls and commands pay nothing.
 */
public final class ServerTracing implements AutoCloseable {
  /** The {@code service.name} of the server's spans. */
  public static final String SERVICE_NAME = "kcid-server";

  private final Telemetry telemetry;

  private ServerTracing(Telemetry telemetry) {
    this.telemetry = telemetry;
  }

  /** Starts the SDK (or the no-op) as {@code config} says. */
  public static ServerTracing start(TracingConfig config) {
    return new ServerTracing(Telemetry.start(config, SERVICE_NAME));
  }

  public boolean enabled() {
    return telemetry.enabled();
  }

  /**
   * Lettuce's tracing for the client resources: a span per command (its statement sanitized: values
   * become {@code ?}), or Lettuce's disabled tracing when off.
   */
  public Tracing redisTracing() {
    return enabled() ? LettuceTelemetry.create(telemetry.openTelemetry()).newTracing() : Tracing.disabled();
  }

  /**
   * Adds the server span interceptor to {@code transport} when tracing is on. Call it after every
   * other interceptor is added: gRPC runs the last one added first, so the span covers
   * authentication and the call limit too, and is current while a handler issues its Redis commands.
   */
  public <T extends ServerBuilder<T>> T intercept(T transport) {
    return enabled() ? transport.intercept(GrpcTelemetry.create(telemetry.openTelemetry()).newServerInterceptor()) : transport;
  }

  /** Flushes the last spans (bounded wait); after the Redis connection is closed. */
  @Override
  public void close() {
    telemetry.close();
  }
}
