package io.kcid.cli;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.ReportServiceGrpc;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Option;

/** Where the CLI finds the tracking-server, and how it prints. Mixed into every API command. */
final class GrpcOptions implements AutoCloseable {
  @Option(names = "--grpc-addr", defaultValue = "${env:KCID_GRPC_ADDR:-localhost:9090}",
      description = "tracking-server address (KCID_GRPC_ADDR). Default: ${DEFAULT-VALUE}")
  String grpcAddr;

  @Option(names = "--json", description = "Print JSON for scripts.")
  boolean json;

  @Option(names = "--timeout-ms", defaultValue = "10000", description = "Deadline per call.")
  long timeoutMs;

  private ManagedChannel channel;

  private ManagedChannel channel() {
    if (channel == null) {
      channel = NettyChannelBuilder.forTarget(grpcAddr).usePlaintext().build();
    }
    return channel;
  }

  AdminServiceGrpc.AdminServiceBlockingStub admin() {
    return AdminServiceGrpc.newBlockingStub(channel()).withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS);
  }

  ClickServiceGrpc.ClickServiceBlockingStub clicks() {
    return ClickServiceGrpc.newBlockingStub(channel()).withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS);
  }

  ConversionServiceGrpc.ConversionServiceBlockingStub conversions() {
    return ConversionServiceGrpc.newBlockingStub(channel()).withDeadlineAfter(timeoutMs, TimeUnit.MILLISECONDS);
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
