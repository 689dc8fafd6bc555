package io.kcid.server.config;

import java.time.Duration;
import java.util.Objects;

/**
 * Where the tracking-server listens for gRPC, and how it stops.
 *
 * @param bindHost address to listen on (KCID_GRPC_BIND)
 * @param grpcPort gRPC port; 0 picks a free one (KCID_GRPC_PORT)
 * @param drainDelay how long health reports NOT_SERVING before the server stops accepting calls,
 *     so load balancers move traffic away first (KCID_DRAIN_DELAY_MS)
 * @param shutdownGrace how long in-flight calls get to finish at stop (KCID_SHUTDOWN_GRACE_MS)
 */
public record ListenConfig(String bindHost, int grpcPort, Duration drainDelay, Duration shutdownGrace) {
  public static final String DEFAULT_BIND_HOST = "0.0.0.0";
  public static final int DEFAULT_GRPC_PORT = 9090;
  public static final Duration DEFAULT_DRAIN_DELAY = Duration.ofSeconds(1);
  public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(10);

  public ListenConfig {
    Objects.requireNonNull(bindHost, "bindHost");
    if (grpcPort < 0 || grpcPort > 65535) {
      throw new IllegalArgumentException("KCID_GRPC_PORT=" + grpcPort + ": expected 0..65535");
    }
    Settings.requireNonNegative("KCID_DRAIN_DELAY_MS", drainDelay);
    Settings.requireNonNegative("KCID_SHUTDOWN_GRACE_MS", shutdownGrace);
  }
}
