package io.kcid.cli;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kcid.edge.grpc.BackendAuth;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.DeliveryServiceGrpc;
import io.kcid.proto.tracking.v1.DiagnosticsServiceGrpc;
import io.kcid.proto.tracking.v1.PartnerServiceGrpc;
import io.kcid.proto.tracking.v1.ReportServiceGrpc;
import java.io.File;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Where the CLI finds the tracking-server, and how it prints. Mixed into every API command. */
final class GrpcOptions implements AutoCloseable {
  @Option(names = "--grpc-addr", defaultValue = "${env:KCID_GRPC_ADDR:-localhost:9090}",
      description = "tracking-server address (KCID_GRPC_ADDR). Default: ${DEFAULT-VALUE}")
  String grpcAddr;

  @Option(names = "--api-key", defaultValue = "${env:KCID_API_KEY}",
      description = "API key sent as 'authorization: Bearer' (KCID_API_KEY). Default: the local admin key of ./kcid up, if any.")
  String apiKey;

  @Option(names = "--grpc-tls-ca", defaultValue = "${env:KCID_GRPC_TLS_CA}",
      description = "PEM CA of the tracking-server's certificate: talk TLS (KCID_GRPC_TLS_CA).")
  String tlsCa;

  /** -o table|json|csv, --json, --fields, -q. */
  @Mixin OutputOptions output;

  @Option(names = "--timeout-ms", defaultValue = "10000", description = "Deadline per call.")
  long timeoutMs;

  private ManagedChannel channel;

  private ManagedChannel channel() {
    if (channel == null) {
      NettyChannelBuilder builder = NettyChannelBuilder.forTarget(grpcAddr);
      if (tlsCa == null || tlsCa.isBlank()) {
        builder.usePlaintext();
      } else {
        try {
          builder.sslContext(GrpcSslContexts.forClient().trustManager(new File(tlsCa.trim())).build());
        } catch (SSLException | IllegalArgumentException e) {
          throw new CliException("KCID_GRPC_TLS_CA=" + tlsCa + ": " + e.getMessage());
        }
      }
      String key = apiKey != null && !apiKey.isBlank() ? apiKey.trim() : LocalApiKeys.admin(LocalCredentials.home()).orElse(null);
      if (key != null) {
        builder.intercept(BackendAuth.bearer(key));
      }
      channel = builder.build();
    }
    return channel;
  }

  AdminServiceGrpc.AdminServiceBlockingStub admin() {
    return AdminServiceGrpc.newBlockingStub(channel()).withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS);
  }

  PartnerServiceGrpc.PartnerServiceBlockingStub partners() {
    return PartnerServiceGrpc.newBlockingStub(channel()).withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS);
  }

  ClickServiceGrpc.ClickServiceBlockingStub clicks() {
    return ClickServiceGrpc.newBlockingStub(channel()).withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS);
  }

  ConversionServiceGrpc.ConversionServiceBlockingStub conversions() {
    return ConversionServiceGrpc.newBlockingStub(channel()).withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS);
  }

  /** For pipelined batches (conversions import): several calls in flight, each with its deadline. */
  ConversionServiceGrpc.ConversionServiceFutureStub conversionFutures() {
    return ConversionServiceGrpc.newFutureStub(channel()).withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS);
  }

  DiagnosticsServiceGrpc.DiagnosticsServiceBlockingStub diagnostics() {
    return DiagnosticsServiceGrpc.newBlockingStub(channel()).withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS);
  }

  DeliveryServiceGrpc.DeliveryServiceBlockingStub deliveries() {
    return DeliveryServiceGrpc.newBlockingStub(channel()).withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS);
  }

  /** For StreamConversions: no deadline, the stream runs until stopped. */
  ConversionServiceGrpc.ConversionServiceBlockingStub conversionStream() {
    return ConversionServiceGrpc.newBlockingStub(channel());
  }

  ReportServiceGrpc.ReportServiceBlockingStub reports() {
    return ReportServiceGrpc.newBlockingStub(channel()).withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    if (channel != null) {
      channel.shutdownNow();
    }
  }
}
