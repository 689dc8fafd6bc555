package io.kcid.edge.http;

import io.kcid.edge.metrics.EdgeMetrics;
import io.kcid.proto.tracking.v1.ErrorReason;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/** {@code /healthz}, {@code /readyz} and {@code /metrics}: answered from memory, never from the network. */
public final class OpsHandlers {
  private static final Map<String, String> OK = Map.of("status", "ok");

  private OpsHandlers() {}

  /** Liveness: the process runs and its event loop answers. */
  public static RouteHandler healthz() {
    return request -> CompletableFuture.completedFuture(Responses.json(200, OK));
  }

  /** Readiness: the backend's cached health is SERVING and the edge is not shutting down. */
  public static RouteHandler readyz(Lifecycle lifecycle, BooleanSupplier backendServing, Responses responses) {
    return request -> {
      if (lifecycle.shuttingDown()) {
        return CompletableFuture.completedFuture(
            responses.rejected(ErrorReason.ERROR_REASON_SHUTTING_DOWN, "The edge is shutting down."));
      }
      if (!backendServing.getAsBoolean()) {
        return CompletableFuture.completedFuture(
            responses.rejected(
                ErrorReason.ERROR_REASON_BACKEND_UNAVAILABLE, "The tracking-server's health check is not SERVING."));
      }
      return CompletableFuture.completedFuture(Responses.json(200, OK));
    };
  }

  /** Prometheus text. */
  public static RouteHandler metrics(EdgeMetrics metrics) {
    return request -> CompletableFuture.completedFuture(Responses.text(200, EdgeMetrics.CONTENT_TYPE, metrics.scrape()));
  }
}
