package io.kcid.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.Click;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.DeliveryServiceGrpc;
import io.kcid.proto.tracking.v1.DiagnosticsServiceGrpc;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.GetClickRequest;
import io.kcid.proto.tracking.v1.GetClickResponse;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.IssueClickResponse;
import io.kcid.proto.tracking.v1.PartnerServiceGrpc;
import io.kcid.proto.tracking.v1.ReportServiceGrpc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The channel set-up of KcidClient against a scripted ClickService on a real local port. */
class KcidClientTest {
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private static Server server;
  private static final ConcurrentLinkedQueue<String> authHeaders = new ConcurrentLinkedQueue<>();
  private static final ConcurrentLinkedQueue<Long> deadlinesMillis = new ConcurrentLinkedQueue<>();
  /** Statuses the next attempts fail with, in order; an empty queue answers OK. */
  private static final ConcurrentLinkedQueue<Status> failures = new ConcurrentLinkedQueue<>();
  private static final AtomicInteger attempts = new AtomicInteger();

  static final class ScriptedClicks extends ClickServiceGrpc.ClickServiceImplBase {
    @Override
    public void issueClick(IssueClickRequest request, StreamObserver<IssueClickResponse> out) {
      if (answerFailure(out)) {
        return;
      }
      if (request.getAccountId().equals("nobody")) {
        out.onError(StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
            .setCode(Status.Code.NOT_FOUND.value())
            .setMessage("no account nobody")
            .addDetails(Any.pack(ErrorInfo.newBuilder().setReason("ACCOUNT_NOT_FOUND").setDomain("tracking.kcid.io").build()))
            .build()));
        return;
      }
      out.onNext(IssueClickResponse.newBuilder().setClick(Click.newBuilder().setKcid("k".repeat(32))).build());
      out.onCompleted();
    }

    @Override
    public void getClick(GetClickRequest request, StreamObserver<GetClickResponse> out) {
      if (answerFailure(out)) {
        return;
      }
      out.onNext(GetClickResponse.newBuilder().setClick(Click.newBuilder().setKcid(request.getKcid())).build());
      out.onCompleted();
    }

    private static boolean answerFailure(StreamObserver<?> out) {
      attempts.incrementAndGet();
      Deadline deadline = Context.current().getDeadline();
      deadlinesMillis.add(deadline == null ? -1 : deadline.timeRemaining(TimeUnit.MILLISECONDS));
      Status failure = failures.poll();
      if (failure != null) {
        out.onError(failure.asRuntimeException());
        return true;
      }
      return false;
    }
  }

  @BeforeAll
  static void start() throws Exception {
    ServerInterceptor captureAuth = new ServerInterceptor() {
      @Override
      public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
          ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
        String auth = headers.get(AUTHORIZATION);
        authHeaders.add(auth == null ? "<none>" : auth);
        return next.startCall(call, headers);
      }
    };
    server = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
        .addService(ServerInterceptors.intercept(new ScriptedClicks(), captureAuth))
        .build()
        .start();
  }

  @AfterAll
  static void stop() throws InterruptedException {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @BeforeEach
  void reset() {
    authHeaders.clear();
    deadlinesMillis.clear();
    failures.clear();
    attempts.set(0);
  }

  private static KcidClient connect(KcidClientOptions.Builder options) {
    return KcidClient.connect(options.target("127.0.0.1:" + server.getPort()).plaintext().build());
  }

  private static IssueClickRequest click(String account) {
    return IssueClickRequest.newBuilder().setAccountId(account).setDestinationUrl("https://shop.example/").build();
  }

  @Test
  void sendsTheApiKeyAsBearerTokenOnEveryCall() {
    try (KcidClient kcid = connect(KcidClientOptions.builder().apiKey("k-123"))) {
      kcid.clicks().issueClick(click("acme"));
      kcid.clicks().getClick(GetClickRequest.newBuilder().setKcid("x").build());
      kcid.clicks().stub().getClick(GetClickRequest.newBuilder().setKcid("x").build());
    }
    assertThat(authHeaders).containsExactly("Bearer k-123", "Bearer k-123", "Bearer k-123");
  }

  @Test
  void sendsNoAuthorizationWithoutAnApiKey() {
    try (KcidClient kcid = connect(KcidClientOptions.builder().apiKey(" "))) {
      kcid.clicks().issueClick(click("acme"));
    }
    assertThat(authHeaders).containsExactly("<none>");
  }

  @Test
  void appliesTheDefaultDeadlineFromTheStartOfEachCall() throws InterruptedException {
    try (KcidClient kcid = connect(KcidClientOptions.builder().deadline(Duration.ofSeconds(2)))) {
      kcid.clicks().issueClick(click("acme"));
      Thread.sleep(300); // a stale deadline (computed once at connect) would show here
      kcid.clicks().issueClick(click("acme"));
      kcid.clicks().withDeadline(Duration.ofMillis(900)).issueClick(click("acme"));
    }
    List<Long> seen = List.copyOf(deadlinesMillis);
    assertThat(seen.get(0)).isBetween(1000L, 2000L);
    assertThat(seen.get(1)).isBetween(1000L, 2000L);
    assertThat(seen.get(2)).isBetween(100L, 900L);
  }

  @Test
  void theServiceConfigCapsCallsAtFiveSeconds() {
    try (KcidClient kcid = connect(KcidClientOptions.builder().deadline(Duration.ofSeconds(60)))) {
      kcid.clicks().issueClick(click("acme"));
    }
    assertThat(deadlinesMillis.peek()).isBetween(1000L, 5000L);
  }

  @Test
  void retriesUnavailableOnWrites() {
    failures.add(Status.UNAVAILABLE);
    failures.add(Status.UNAVAILABLE);
    try (KcidClient kcid = connect(KcidClientOptions.builder())) {
      assertThat(kcid.clicks().issueClick(click("acme")).getClick().getKcid()).hasSize(32);
    }
    assertThat(attempts).hasValue(3);
  }

  @Test
  void retriesDeadlineExceededOnlyOnReads() {
    failures.add(Status.DEADLINE_EXCEEDED);
    try (KcidClient kcid = connect(KcidClientOptions.builder())) {
      assertThat(kcid.clicks().getClick(GetClickRequest.newBuilder().setKcid("abc").build()).getClick().getKcid())
          .isEqualTo("abc");
      assertThat(attempts).hasValue(2);

      attempts.set(0);
      failures.add(Status.DEADLINE_EXCEEDED);
      assertThatThrownBy(() -> kcid.clicks().issueClick(click("acme")))
          .isInstanceOfSatisfying(KcidException.class, e -> assertThat(e.code()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
      assertThat(attempts).hasValue(1);
    }
  }

  @Test
  void givesUpAfterFourAttempts() {
    for (int i = 0; i < 6; i++) {
      failures.add(Status.UNAVAILABLE.withDescription("down " + i));
    }
    try (KcidClient kcid = connect(KcidClientOptions.builder())) {
      assertThatThrownBy(() -> kcid.clicks().issueClick(click("acme")))
          .isInstanceOfSatisfying(KcidException.class, e -> {
            assertThat(e.code()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(e.isRetryable()).isTrue();
          });
    }
    assertThat(attempts).hasValue(4);
  }

  @Test
  void throwsKcidExceptionWithTheReason() {
    try (KcidClient kcid = connect(KcidClientOptions.builder())) {
      assertThatThrownBy(() -> kcid.clicks().issueClick(click("nobody")))
          .isInstanceOfSatisfying(KcidException.class, e -> {
            assertThat(e.reason()).isEqualTo(ErrorReason.ERROR_REASON_ACCOUNT_NOT_FOUND);
            assertThat(e.reasonName()).isEqualTo("ACCOUNT_NOT_FOUND");
            assertThat(e.code()).isEqualTo(Status.Code.NOT_FOUND);
            assertThat(e.description()).isEqualTo("no account nobody");
          });
    }
  }

  @Test
  void anUnreachableServerIsAnUnavailableKcidException() throws Exception {
    int port;
    try (var socket = new java.net.ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    try (KcidClient kcid = KcidClient.connect("127.0.0.1:" + port)) {
      assertThatThrownBy(() -> kcid.clicks().issueClick(click("acme")))
          .isInstanceOfSatisfying(KcidException.class, e -> assertThat(e.code()).isEqualTo(Status.Code.UNAVAILABLE));
    }
  }

  @Test
  void shipsExactlyTheSharedServiceConfig() throws Exception {
    byte[] shared = Files.readAllBytes(Path.of("../service_config.json"));
    try (var in = KcidClient.class.getResourceAsStream(KcidClient.SERVICE_CONFIG_RESOURCE)) {
      assertThat(in).isNotNull();
      assertThat(in.readAllBytes()).isEqualTo(shared);
    }
    Map<String, ?> config = KcidClient.serviceConfig();
    List<?> methods = (List<?>) config.get("methodConfig");
    assertThat(methods).hasSize(4);
    // Reads, writes, the server streams, which get no timeout (they run until closed), and
    // TestDestination, which waits for a receiver.
    Map<?, ?> streams = (Map<?, ?>) methods.get(2);
    assertThat(streams.containsKey("timeout")).isFalse();
    assertThat(String.valueOf(streams.get("name"))).contains("StreamConversions");
  }

  @Test
  void everyMethodOfEveryServiceIsConfiguredAndPartnerReadsRetryLikeReads() {
    List<io.grpc.ServiceDescriptor> services = List.of(ClickServiceGrpc.getServiceDescriptor(),
        ConversionServiceGrpc.getServiceDescriptor(), AdminServiceGrpc.getServiceDescriptor(),
        PartnerServiceGrpc.getServiceDescriptor(), ReportServiceGrpc.getServiceDescriptor(),
        DiagnosticsServiceGrpc.getServiceDescriptor(), DeliveryServiceGrpc.getServiceDescriptor());
    for (io.grpc.ServiceDescriptor service : services) {
      for (MethodDescriptor<?, ?> method : service.getMethods()) {
        Map<?, ?> config = methodConfig(method.getServiceName(), method.getBareMethodName());
        assertThat(config).as(method.getFullMethodName()).isNotNull();
        assertThat(config.containsKey("timeout")).as(method.getFullMethodName())
            .isEqualTo(method.getType() == MethodDescriptor.MethodType.UNARY);
      }
    }
    for (String read : List.of("PartnerService/GetPartner", "PartnerService/ListPartners", "AdminService/GetCaller")) {
      assertThat(retryableCodes(read)).as(read).containsExactly("UNAVAILABLE", "DEADLINE_EXCEEDED");
    }
    for (String write : List.of("PartnerService/CreatePartner", "PartnerService/UpdatePartner", "PartnerService/DeletePartner")) {
      assertThat(retryableCodes(write)).as(write).containsExactly("UNAVAILABLE");
    }
    for (String read : List.of("GetDestination", "ListDestinations", "ListDeliveries")) {
      assertThat(retryableCodes("DeliveryService/" + read)).as(read).containsExactly("UNAVAILABLE", "DEADLINE_EXCEEDED");
    }
    for (String write : List.of("CreateDestination", "UpdateDestination", "DeleteDestination", "TestDestination",
        "RotateDestinationSecret", "Redeliver")) {
      assertThat(retryableCodes("DeliveryService/" + write)).as(write).containsExactly("UNAVAILABLE");
    }
    assertThat(methodConfig("kcid.tracking.v1.DeliveryService", "TestDestination").get("timeout")).isEqualTo("30s");
    assertThat(Deliveries.TEST_DEADLINE).isEqualTo(Duration.ofSeconds(30));
  }

  private static List<String> retryableCodes(String serviceAndMethod) {
    String[] parts = serviceAndMethod.split("/");
    Map<?, ?> config = methodConfig("kcid.tracking.v1." + parts[0], parts[1]);
    List<?> codes = (List<?>) ((Map<?, ?>) config.get("retryPolicy")).get("retryableStatusCodes");
    return codes.stream().map(String::valueOf).toList();
  }

  /** The method config gRPC applies: the entry naming the method, else the one naming its service. */
  private static Map<?, ?> methodConfig(String service, String method) {
    List<?> configs = (List<?>) KcidClient.serviceConfig().get("methodConfig");
    for (boolean exact : new boolean[] {true, false}) {
      for (Object entry : configs) {
        for (Object name : (List<?>) ((Map<?, ?>) entry).get("name")) {
          Map<?, ?> n = (Map<?, ?>) name;
          if (service.equals(n.get("service")) && (exact ? method.equals(n.get("method")) : n.get("method") == null)) {
            return (Map<?, ?>) entry;
          }
        }
      }
    }
    return null;
  }
}
