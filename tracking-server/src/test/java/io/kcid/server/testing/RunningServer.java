package io.kcid.server.testing;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.CreatePartnerRequest;
import io.kcid.proto.tracking.v1.DiagnosticsServiceGrpc;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.Partner;
import io.kcid.proto.tracking.v1.PartnerServiceGrpc;
import io.kcid.proto.tracking.v1.ReportServiceGrpc;
import io.kcid.server.TrackingServer;
import io.kcid.server.config.ServerConfig;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A started tracking-server with a plaintext channel to it and blocking stubs whose deadline runs
 * from the start: the setup most gRPC tests repeat. Closing stops the channel, then the server.
 */
public final class RunningServer implements AutoCloseable {
  private final TrackingServer server;
  private final ManagedChannel channel;
  private final ClickServiceGrpc.ClickServiceBlockingStub clicks;
  private final ConversionServiceGrpc.ConversionServiceBlockingStub conversions;
  private final AdminServiceGrpc.AdminServiceBlockingStub admin;
  private final DiagnosticsServiceGrpc.DiagnosticsServiceBlockingStub diagnostics;
  private final PartnerServiceGrpc.PartnerServiceBlockingStub partners;
  private final ReportServiceGrpc.ReportServiceBlockingStub reports;

  private RunningServer(TrackingServer server, Duration deadline) {
    this.server = server;
    this.channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    long millis = deadline.toMillis();
    this.clicks = ClickServiceGrpc.newBlockingStub(channel).withDeadlineAfter(millis, TimeUnit.MILLISECONDS);
    this.conversions = ConversionServiceGrpc.newBlockingStub(channel).withDeadlineAfter(millis, TimeUnit.MILLISECONDS);
    this.admin = AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(millis, TimeUnit.MILLISECONDS);
    this.diagnostics = DiagnosticsServiceGrpc.newBlockingStub(channel).withDeadlineAfter(millis, TimeUnit.MILLISECONDS);
    this.partners = PartnerServiceGrpc.newBlockingStub(channel).withDeadlineAfter(millis, TimeUnit.MILLISECONDS);
    this.reports = ReportServiceGrpc.newBlockingStub(channel).withDeadlineAfter(millis, TimeUnit.MILLISECONDS);
  }

  /** Starts a server on {@code config}; the stubs' deadline is {@code deadline} from now. */
  public static RunningServer start(ServerConfig config, Duration deadline) {
    return new RunningServer(TrackingServer.start(config), deadline);
  }

  public TrackingServer server() {
    return server;
  }

  public ManagedChannel channel() {
    return channel;
  }

  public ClickServiceGrpc.ClickServiceBlockingStub clicks() {
    return clicks;
  }

  public ConversionServiceGrpc.ConversionServiceBlockingStub conversions() {
    return conversions;
  }

  public AdminServiceGrpc.AdminServiceBlockingStub admin() {
    return admin;
  }

  public DiagnosticsServiceGrpc.DiagnosticsServiceBlockingStub diagnostics() {
    return diagnostics;
  }

  public PartnerServiceGrpc.PartnerServiceBlockingStub partners() {
    return partners;
  }

  public ReportServiceGrpc.ReportServiceBlockingStub reports() {
    return reports;
  }

  /** A new active partner with a unique id and default settings. */
  public Partner newPartner() {
    return partners.createPartner(
            CreatePartnerRequest.newBuilder().setPartnerId("pt-" + System.nanoTime()).setDisplayName("Agency").build())
        .getPartner();
  }

  /** A new account of {@code partnerId}; its secrets are in the answer. */
  public CreateAccountResponse newAccount(String partnerId) {
    return admin.createAccount(CreateAccountRequest.newBuilder().setPartnerId(partnerId).build());
  }

  /** A new account with default settings; its secrets are in the answer. */
  public CreateAccountResponse newAccount() {
    return admin.createAccount(CreateAccountRequest.getDefaultInstance());
  }

  /** Issues a click for {@code account} in {@code campaign}; returns its kcid. */
  public String issueClick(String account, String campaign) {
    return clicks.issueClick(IssueClickRequest.newBuilder().setAccountId(account).setCampaignId(campaign).build())
        .getClick().getKcid();
  }

  @Override
  public void close() {
    channel.shutdownNow();
    server.close();
  }
}
