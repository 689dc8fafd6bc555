package io.kcid.server;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.kcid.server.config.ServerSecurity;
import javax.net.ssl.SSLException;

/** The server's TLS context: its certificate, and with a client CA, required client certificates (mTLS). */
final class TransportSecurity {
  private TransportSecurity() {}

  static SslContext serverContext(ServerSecurity security) {
    try {
      SslContextBuilder builder =
          GrpcSslContexts.forServer(security.tlsCert().toFile(), security.tlsKey().toFile());
      if (security.tlsClientCa() != null) {
        builder.trustManager(security.tlsClientCa().toFile()).clientAuth(ClientAuth.REQUIRE);
      }
      return builder.build();
    } catch (SSLException | IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "KCID_TLS_CERT/KCID_TLS_KEY/KCID_TLS_CLIENT_CA: cannot build TLS from " + security.tlsCert() + ": " + e.getMessage(), e);
    }
  }
}
