package io.kcid.edge.grpc;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.kcid.edge.config.EdgeSecurity;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/** Builds the process's one channel to the tracking-server. */
public final class BackendChannels {
  private BackendChannels() {}

  /** A plaintext channel (see {@link #create(String, EdgeSecurity)}). */
  public static ManagedChannel create(String target) {
    return create(target, EdgeSecurity.none());
  }

  /**
   * A channel with keepalive, so a dead backend is noticed between requests rather than by the next
   * user; TLS when the security settings name a CA (and mTLS with a client certificate). Callbacks
   * run directly on gRPC's transport threads: the edge's callbacks only build a small response and
   * hand it to Netty, so the extra thread hop would buy nothing.
   */
  public static ManagedChannel create(String target, EdgeSecurity security) {
    NettyChannelBuilder builder =
        NettyChannelBuilder.forTarget(target)
            .keepAliveTime(30, TimeUnit.SECONDS)
            .keepAliveTimeout(10, TimeUnit.SECONDS)
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
