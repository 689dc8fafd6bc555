package io.kcid.server.config;

import java.util.Objects;

/**
 * Where the tracking-server serves its Prometheus metrics: an HTTP listener of its own, apart from
 * gRPC, on loopback unless told otherwise (metrics say how busy and how healthy the server is, which
 * is nobody's business outside the operators' network).
 *
 * @param bindHost address of the metrics listener (KCID_METRICS_BIND)
 * @param port its port; 0 picks a free one, -1 serves no metrics endpoint (KCID_METRICS_PORT)
 */
public record MetricsConfig(String bindHost, int port) {
  public static final String DEFAULT_BIND_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 9091;
  /** The port value that turns the listener off (the meters are still kept, for tests and embedding). */
  public static final int OFF_PORT = -1;
  /** No metrics listener. */
  public static final MetricsConfig OFF = new MetricsConfig(DEFAULT_BIND_HOST, OFF_PORT);

  public MetricsConfig {
    Objects.requireNonNull(bindHost, "bindHost");
    if (bindHost.isBlank()) {
      throw new IllegalArgumentException("KCID_METRICS_BIND is blank: expected an address such as 127.0.0.1");
    }
    if (port < OFF_PORT || port > 65535) {
      throw new IllegalArgumentException("KCID_METRICS_PORT=" + port + ": expected 0..65535, or -1 for no metrics endpoint");
    }
  }

  /** Whether the server opens the metrics listener. */
  public boolean enabled() {
    return port != OFF_PORT;
  }
}
