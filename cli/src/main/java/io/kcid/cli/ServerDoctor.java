package io.kcid.cli;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kcid.core.kcid.KcidCodec;
import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.edge.grpc.BackendAuth;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.GetConversionRequest;
import io.kcid.proto.tracking.v1.InspectKcidRequest;
import io.kcid.proto.tracking.v1.InspectKcidResponse;
import io.kcid.proto.tracking.v1.ListAccountsRequest;
import io.kcid.proto.tracking.v1.ListClickVerifiersRequest;
import java.io.File;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;

/**
 * The checks of {@code ./kcid doctor} that ask the tracking-server: health, auth (open? the key's
 * roles) and whether it verifies kcids minted with the edges' MAC keys. Every probe reads, or is
 * refused before anything runs.
 */
final class ServerDoctor implements AutoCloseable {
  /** Not a kcid any deployment issued: probing InspectKcid or GetConversion with it reads nothing. */
  private static final String PROBE = "doctor";

  private final GrpcOptions grpc;
  private final String key;
  private ManagedChannel anonymous;
  private ManagedChannel keyed;

  /** Talks to the server {@code grpc} names, with its key (or ./kcid up's local admin key). */
  ServerDoctor(GrpcOptions grpc) {
    this.grpc = grpc;
    String given = grpc.apiKey != null && !grpc.apiKey.isBlank() ? grpc.apiKey.trim() : null;
    this.key = given != null ? given : LocalApiKeys.admin(LocalCredentials.home()).orElse(null);
  }

  /** Adds the server's health; false when it does not answer at all (then nothing else can be asked). */
  boolean health(List<DoctorFinding> findings) {
    try {
      HealthCheckResponse health = HealthGrpc.newBlockingStub(anonymous())
          .withDeadlineAfter(grpc.timeoutMs, TimeUnit.MILLISECONDS).check(HealthCheckRequest.getDefaultInstance());
      if (health.getStatus() == HealthCheckResponse.ServingStatus.SERVING) {
        findings.add(DoctorFinding.ok("server", grpc.grpcAddr + " is SERVING"));
      } else {
        findings.add(DoctorFinding.fail("server", grpc.grpcAddr + " answers " + health.getStatus(),
            "the server cannot reach its Redis or is shutting down: read its log and check KCID_REDIS_URL"));
      }
      return true;
    } catch (StatusRuntimeException e) {
      Status status = e.getStatus();
      String cause = status.getDescription() == null ? status.getCode().name() : status.getCode() + " (" + status.getDescription() + ")";
      findings.add(DoctorFinding.fail("server", "no answer from " + grpc.grpcAddr + ": " + cause,
          "start it (./kcid server or ./kcid up), or point --grpc-addr / KCID_GRPC_ADDR at it"
              + (grpc.tlsCa == null || grpc.tlsCa.isBlank() ? "; a TLS server needs --grpc-tls-ca" : "")));
      return false;
    }
  }

  /** Open or not; if not, whether the key is known and which of admin, issue, read it holds. */
  void auth(List<DoctorFinding> findings) {
    boolean open = authorized(() -> ClickServiceGrpc.newBlockingStub(anonymous())
        .withDeadlineAfter(grpc.timeoutMs, TimeUnit.MILLISECONDS)
        .inspectKcid(InspectKcidRequest.newBuilder().setKcid(PROBE).build()));
    if (open) {
      findings.add(DoctorFinding.warn("auth", "the server is OPEN: it answers calls without an API key",
          "fine on loopback (./kcid up); anywhere else run it with KCID_AUTH=required and KCID_API_KEYS"));
      return;
    }
    if (key == null) {
      findings.add(DoctorFinding.warn("auth", "API keys required, and no key given to check",
          "give --api-key or KCID_API_KEY (./kcid api-key create --name ops --roles read)"));
      return;
    }
    List<String> roles = new ArrayList<>();
    try {
      AdminServiceGrpc.newBlockingStub(keyed()).withDeadlineAfter(grpc.timeoutMs, TimeUnit.MILLISECONDS)
          .listAccounts(ListAccountsRequest.newBuilder().setPageSize(1).build());
      roles.add("admin");
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.UNAUTHENTICATED) {
        findings.add(DoctorFinding.fail("auth", "the server does not know the given API key",
            "it was revoked, mistyped or belongs to another deployment: check --api-key / KCID_API_KEY"));
        return;
      }
    }
    if (authorized(() -> ClickServiceGrpc.newBlockingStub(keyed()).withDeadlineAfter(grpc.timeoutMs, TimeUnit.MILLISECONDS)
        .listClickVerifiers(ListClickVerifiersRequest.newBuilder().setPageSize(1).build()))) {
      roles.add("issue");
    }
    if (authorized(() -> ConversionServiceGrpc.newBlockingStub(keyed()).withDeadlineAfter(grpc.timeoutMs, TimeUnit.MILLISECONDS)
        .getConversion(GetConversionRequest.newBuilder().setConversionId(PROBE).build()))) {
      roles.add("read");
    }
    String finding = "API keys required; the given key " + (roles.isEmpty() ? "holds none of admin, issue, read"
        : "holds " + String.join(", ", roles)) + " (ingest is not probed: only writes need it)";
    findings.add(roles.isEmpty()
        ? DoctorFinding.warn("auth", finding, "an ingest-only key can check little: use a key with read or admin")
        : DoctorFinding.ok("auth", finding));
  }

  /**
   * Edges mint kcids with their KCID_MAC_KEYS while no server answers: mints one with {@code
   * macKeys} and asks the server's InspectKcid (any key's role will do) whether it verifies.
   */
  void macKeys(String macKeys, int activeKey, List<DoctorFinding> findings) {
    String kcid;
    try {
      kcid = new KcidCodec(KcidKeyRing.parse(macKeys.trim(), activeKey), 1).mint(Instant.now(), 0);
    } catch (IllegalArgumentException e) {
      findings.add(DoctorFinding.fail("kcid keys", "KCID_MAC_KEYS here cannot be read: " + e.getMessage(),
          "give the keys as 'id:base64url,…', exactly as the tracking-server has them"));
      return;
    }
    InspectKcidResponse inspected;
    try {
      inspected = ClickServiceGrpc.newBlockingStub(key == null ? anonymous() : keyed())
          .withDeadlineAfter(grpc.timeoutMs, TimeUnit.MILLISECONDS)
          .inspectKcid(InspectKcidRequest.newBuilder().setKcid(kcid).build());
    } catch (StatusRuntimeException e) {
      findings.add(DoctorFinding.warn("kcid keys", "not checked: InspectKcid answered " + CliErrors.describe(e),
          "give a known API key (any role) with --api-key"));
      return;
    }
    if (inspected.getValid()) {
      findings.add(DoctorFinding.ok("kcid keys",
          "the server verifies kcids minted with the local KCID_MAC_KEYS (active key " + activeKey + ")"));
    } else {
      findings.add(DoctorFinding.fail("kcid keys", "the server refuses a kcid minted with the local KCID_MAC_KEYS ("
              + inspected.getReason().name().replace("ERROR_REASON_", "") + ")",
          "an edge with these keys spools clicks the server will refuse: give edges the server's KCID_MAC_KEYS"
              + " and KCID_MAC_ACTIVE_KEY"));
    }
  }

  /** Whether the call got past authentication and authorization (any other answer counts). */
  private static boolean authorized(Supplier<?> call) {
    try {
      call.get();
      return true;
    } catch (StatusRuntimeException e) {
      Status.Code code = e.getStatus().getCode();
      return code != Status.Code.UNAUTHENTICATED && code != Status.Code.PERMISSION_DENIED;
    }
  }

  // Two channels, built here rather than through GrpcOptions (which hands out keyed stubs only):
  // the open/closed probe and health must go without a key.
  private ManagedChannel anonymous() {
    if (anonymous == null) {
      anonymous = builder().build();
    }
    return anonymous;
  }

  private ManagedChannel keyed() {
    if (keyed == null) {
      keyed = builder().intercept(BackendAuth.bearer(key)).build();
    }
    return keyed;
  }

  private NettyChannelBuilder builder() {
    NettyChannelBuilder builder = NettyChannelBuilder.forTarget(grpc.grpcAddr);
    if (grpc.tlsCa == null || grpc.tlsCa.isBlank()) {
      return builder.usePlaintext();
    }
    try {
      return builder.sslContext(GrpcSslContexts.forClient().trustManager(new File(grpc.tlsCa.trim())).build());
    } catch (SSLException | IllegalArgumentException e) {
      throw new CliException("KCID_GRPC_TLS_CA=" + grpc.tlsCa + ": " + e.getMessage());
    }
  }

  @Override
  public void close() {
    if (anonymous != null) {
      anonymous.shutdownNow();
    }
    if (keyed != null) {
      keyed.shutdownNow();
    }
  }
}
