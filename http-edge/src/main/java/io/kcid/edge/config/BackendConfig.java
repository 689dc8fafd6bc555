package io.kcid.edge.config;

import java.time.Duration;
import java.util.Objects;

/**
 * Where the edge's backend, the tracking-server, is and how long the edge waits for it. How the
 * edge authenticates to it (API key, TLS) is in {@link EdgeSecurity}.
 *
 * @param grpcTarget gRPC target of the tracking-server, e.g. {@code localhost:9090} or {@code
 *     dns:///tracking:9090}; default {@value #DEFAULT_GRPC_TARGET}
 * @param callDeadline deadline of every backend call; an answer later than this is an unknown
 *     outcome (503); default 1500 ms
 */
public record BackendConfig(String grpcTarget, Duration callDeadline) {
  public static final String DEFAULT_GRPC_TARGET = "localhost:9090";
  public static final Duration DEFAULT_CALL_DEADLINE = Duration.ofMillis(1500);

  public BackendConfig {
    require(
        grpcTarget != null && !grpcTarget.isBlank() && grpcTarget.chars().noneMatch(Character::isWhitespace),
        "gRPC target must be host:port or a gRPC target URI such as dns:///host:9090, got '" + grpcTarget + "'");
    Objects.requireNonNull(callDeadline, "call deadline must be set");
    require(
        !callDeadline.isNegative() && !callDeadline.isZero() && callDeadline.compareTo(Duration.ofMinutes(1)) <= 0,
        "call deadline must be between 1 ms and 60000 ms, got " + callDeadline.toMillis() + " ms");
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException(message);
    }
  }
}
