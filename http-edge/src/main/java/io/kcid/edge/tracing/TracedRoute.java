package io.kcid.edge.tracing;

import io.kcid.edge.http.EdgeResponse;
import io.kcid.edge.http.Route;
import io.kcid.edge.http.RouteHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.net.SocketAddress;
import java.util.concurrent.CompletableFuture;

/**
 * A route under a SERVER span: continues the caller's {@code traceparent} when it sends one, is
 * named {@code <METHOD> <route>} (never the raw path), and records only the method, route and
 * status. No query string, header, token, kcid or client address becomes an attribute: those are
 * secrets or personal data, and spans leave the process.
 */
final class TracedRoute implements RouteHandler {
  private static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
  private static final AttributeKey<String> ROUTE = AttributeKey.stringKey("http.route");
  private static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
  private static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

  private static final TextMapGetter<HttpHeaders> HEADERS = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(HttpHeaders carrier) {
      return carrier.names();
    }

    @Override
    public String get(HttpHeaders carrier, String key) {
      return carrier == null ? null : carrier.get(key);
    }
  };

  private final Route route;
  private final RouteHandler handler;
  private final Tracer tracer;
  private final TextMapPropagator propagator;

  TracedRoute(Route route, RouteHandler handler, OpenTelemetry openTelemetry) {
    this.route = route;
    this.handler = handler;
    this.tracer = openTelemetry.getTracer(EdgeTracing.SERVICE_NAME);
    this.propagator = openTelemetry.getPropagators().getTextMapPropagator();
  }

  @Override
  public CompletableFuture<EdgeResponse> handle(FullHttpRequest request) {
    return handle(request, null);
  }

  @Override
  public CompletableFuture<EdgeResponse> handle(FullHttpRequest request, SocketAddress peer) {
    Context parent = propagator.extract(Context.root(), request.headers(), HEADERS);
    String method = request.method().name();
    Span span = tracer.spanBuilder(method + " " + route.path())
        .setParent(parent)
        .setSpanKind(SpanKind.SERVER)
        .setAttribute(METHOD, method)
        .setAttribute(ROUTE, route.path())
        .startSpan();
    CompletableFuture<EdgeResponse> answer;
    // Current while the handler runs: the gRPC calls it starts (or the postbacks it queues for a
    // coalesced call) take this span as their parent.
    try (Scope ignored = parent.with(span).makeCurrent()) {
      answer = handler.handle(request, peer);
    } catch (RuntimeException e) {
      // A Rejection (the router answers it with a 4xx) or a bug (500): either way the span ends here.
      span.setAttribute(ERROR_TYPE, e.getClass().getSimpleName());
      span.end();
      throw e;
    }
    return answer.whenComplete((response, failure) -> {
      if (response != null) {
        span.setAttribute(STATUS, (long) response.status());
        if (response.status() >= 500) {
          span.setStatus(StatusCode.ERROR);
        }
      } else {
        span.setStatus(StatusCode.ERROR);
        span.setAttribute(ERROR_TYPE, failure.getClass().getSimpleName());
      }
      span.end();
    });
  }
}
