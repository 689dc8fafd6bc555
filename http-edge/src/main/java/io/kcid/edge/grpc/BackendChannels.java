package io.kcid.edge.grpc;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.concurrent.TimeUnit;

/** Builds the process's one channel to the tracking-server. */
public final class BackendChannels {
  private BackendChannels() {}

  /**
   * A plaintext channel with keepalive, so a dead backend is noticed between requests rather than by
   * the next user. Callbacks run directly on gRPC's transport threads: the edge's callbacks only build
   * a small response and hand it to Netty, so the extra thread hop would buy nothing. Calls are
   * spread round-robin over every address the target resolves to ({@code dns:///tracking:9090}
   * naming all tracking-servers), instead of pinning the edge to the first one.
   */
  public static ManagedChannel create(String target) {
    return NettyChannelBuilder.forTarget(target)
        .defaultLoadBalancingPolicy("round_robin")
        .usePlaintext()
        .keepAliveTime(30, TimeUnit.SECONDS)
        .keepAliveTimeout(10, TimeUnit.SECONDS)
        .enableRetry()
        .directExecutor()
        .userAgent("kcid-http-edge")
        .build();
  }
}
