package io.kcid.server.metrics;

import io.kcid.server.config.MetricsConfig;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import java.io.IOException;

/**
 * The tracking-server's Prometheus endpoint: {@code GET /metrics} on a listener of its own, served
 * by the Prometheus Java client's {@link HTTPServer} (the JDK's HTTP server underneath; text,
 * OpenMetrics or protobuf as the scraper asks, gzip when accepted).
 */
public final class MetricsEndpoint implements AutoCloseable {
  private final HTTPServer server;

  private MetricsEndpoint(HTTPServer server) {
    this.server = server;
  }

  /** Listens on {@code config}'s address; an address in use fails with the JDK's BindException. */
  public static MetricsEndpoint start(MetricsConfig config, ServerMetrics metrics) throws IOException {
    return new MetricsEndpoint(HTTPServer.builder()
        .hostname(config.bindHost())
        .port(config.port())
        .registry(metrics.prometheusRegistry())
        .buildAndStart());
  }

  /** The port it listens on (the chosen one when configured with 0). */
  public int port() {
    return server.getPort();
  }

  @Override
  public void close() {
    server.close();
  }
}
