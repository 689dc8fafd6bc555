package io.kcid.edge.grpc;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.NameResolverRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Builds the process's one channel to the tracking-server. */
public final class BackendChannels {
  static {
    NameResolverRegistry.getDefaultRegistry().register(new StaticResolverProvider());
  }

  /**
   * Round robin over every address the target resolves to, each checked with the standard health
   * service: an instance that reports NOT_SERVING (Redis unreachable, or draining before a restart)
   * gets no new calls while the others take them.
   */
  private static final Map<String, Object> SERVICE_CONFIG =
      Map.of(
          "loadBalancingConfig", List.of(Map.of("round_robin", Map.of())),
          "healthCheckConfig", Map.of("serviceName", ""));

  private BackendChannels() {}

  /**
   * A plaintext channel to {@code target} ({@code host:port}, a gRPC target URI such as {@code
   * dns:///host:9090}, or {@code static:///host1:9090,host2:9090}) with keepalive, so a dead backend is noticed between requests rather than by
   * the next user. Callbacks run directly on gRPC's transport threads: the edge's callbacks only build
   * a small response and hand it to Netty, so the extra thread hop would buy nothing.
   */
  public static ManagedChannel create(String target) {
    return NettyChannelBuilder.forTarget(target)
        .usePlaintext()
        .keepAliveTime(30, TimeUnit.SECONDS)
        .keepAliveTimeout(10, TimeUnit.SECONDS)
        .defaultServiceConfig(SERVICE_CONFIG)
        .enableRetry()
        .directExecutor()
        .userAgent("kcid-http-edge")
        .build();
  }
}
