package io.kcid.edge.grpc;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.kcid.edge.config.EdgeSecurity;
import io.grpc.NameResolverRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

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

  /** A plaintext channel (see {@link #create(String, EdgeSecurity)}). */
  public static ManagedChannel create(String target) {
    return create(target, EdgeSecurity.none());
  }

  /**
   * A channel to {@code target} ({@code host:port}, a gRPC target URI such as {@code dns:///host:9090},
   * or {@code static:///host1:9090,host2:9090}), round robin over its addresses, with keepalive, so a dead backend is noticed between requests rather than by the next
   * user; TLS when the security settings name a CA (and mTLS with a client certificate). Callbacks
   * run directly on gRPC's transport threads: the edge's callbacks only build a small response and
   * hand it to Netty, so the extra thread hop would buy nothing.
   */
  public static ManagedChannel create(String target, EdgeSecurity security) {
    NettyChannelBuilder builder =
        NettyChannelBuilder.forTarget(target)
            .keepAliveTime(30, TimeUnit.SECONDS)
            .keepAliveTimeout(10, TimeUnit.SECONDS)
            .defaultServiceConfig(SERVICE_CONFIG)
            .enableRetry()
            .directExecutor()
            .userAgent("kcid-http-edge");
    if (!security.grpcTls()) {
      return builder.usePlaintext().build();
    }
    try {
      SslContextBuilder tls = GrpcSslContexts.forClient().trustManager(security.grpcTlsCa().toFile());
      if (security.grpcTlsCert() != null) {
        tls.keyManager(security.grpcTlsCert().toFile(), security.grpcTlsKey().toFile());
      }
      return builder.sslContext(tls.build()).build();
    } catch (SSLException | IllegalArgumentException e) {
      throw new IllegalArgumentException("KCID_GRPC_TLS_*: cannot build TLS towards " + target + ": " + e.getMessage(), e);
    }
  }
}
