package io.kcid.edge.config;

import java.util.Objects;

/**
 * The edge's listeners beyond {@link EdgeConfig}'s public port: the admin/metrics listener and the
 * connection limits that apply to each listener (each has its own caps, so a flood of the public
 * port cannot lock operators out of {@code /metrics}).
 */
public record ListenerConfig(AdminListener admin, ConnectionLimits connections) {
  public ListenerConfig {
    Objects.requireNonNull(admin, "admin listener must be set");
    Objects.requireNonNull(connections, "connection limits must be set");
  }

  /** Admin on 127.0.0.1 at any free port, default connection limits: for tests and embedding. */
  public static ListenerConfig defaults() {
    return new ListenerConfig(AdminListener.loopbackAnyPort(), ConnectionLimits.defaults());
  }

  public ListenerConfig withConnections(ConnectionLimits limits) {
    return new ListenerConfig(admin, limits);
  }

  public ListenerConfig withAdmin(AdminListener listener) {
    return new ListenerConfig(listener, connections);
  }
}
