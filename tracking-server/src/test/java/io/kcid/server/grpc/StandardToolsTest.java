package io.kcid.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.reflection.v1alpha.ServerReflectionGrpc;
import io.grpc.reflection.v1alpha.ServerReflectionRequest;
import io.grpc.reflection.v1alpha.ServerReflectionResponse;
import io.grpc.stub.StreamObserver;
import io.kcid.server.TrackingServer;
import io.kcid.server.auth.AuthMode;
import io.kcid.server.auth.ConfiguredApiKeys;
import io.kcid.server.common.IpPrivacy;
import io.kcid.server.config.ServerSecurity;
import io.kcid.server.store.redis.LocalRedis;
import io.kcid.server.testing.ExternalTools;
import io.kcid.server.testing.TestServers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real tracking-server, over a socket on a real redis-server, driven by tools nobody here
 * wrote: grpcurl (reflection, an authenticated call, a refusal's ErrorInfo) and grpc_health_probe
 * (liveness apart from readiness while Redis goes away and comes back). v1alpha reflection, which
 * none of these speaks, is checked with grpc-java's own v1alpha stub.
 */
class StandardToolsTest {
  private static final String ADMIN_KEY = "tools-admin-0123456789abcdefXYZ";

  @TempDir
  static Path redisData;
  private static int redisPort;
  private static LocalRedis redis;
  private static TrackingServer server;

  @BeforeAll
  static void start() {
    redis = LocalRedis.start(0, redisData, false);
    redisPort = redis.port();
    server = TrackingServer.start(TestServers.builder(redis.url())
        .security(new ServerSecurity(AuthMode.REQUIRED, ConfiguredApiKeys.parse("root:admin+issue:" + ADMIN_KEY),
            Duration.ofSeconds(1), null, null, null, 100, 100, IpPrivacy.truncate()))
        .build());
  }

  @AfterAll
  static void stop() {
    server.close();
    redis.close();
  }

  @Test
  void grpcurlListsAndDescribesThroughReflection() throws Exception {
    Run list = grpcurl(List.of(), "list");
    assertThat(list.exit).as(list.output).isZero();
    assertThat(list.output).contains(
        "kcid.tracking.v1.ClickService", "kcid.tracking.v1.ConversionService", "kcid.tracking.v1.AdminService",
        "kcid.tracking.v1.DiagnosticsService", "kcid.tracking.v1.ReportService", "kcid.tracking.v1.DeliveryService",
        "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection");

    Run describe = grpcurl(List.of(), "describe", "kcid.tracking.v1.ClickService.IssueClick");
    assertThat(describe.exit).as(describe.output).isZero();
    assertThat(describe.output).contains("rpc IssueClick ( .kcid.tracking.v1.IssueClickRequest )");
  }

  @Test
  void grpcurlMakesAnAuthenticatedCallAndShowsTheReasonOfARefusal() throws Exception {
    Run created = grpcurl(List.of("-H", "authorization: Bearer " + ADMIN_KEY, "-d", "{}"),
        "kcid.tracking.v1.AdminService/CreateAccount");
    assertThat(created.exit).as(created.output).isZero();
    String account = created.output.replaceFirst("(?s).*?\"account_id\": \"([^\"]+)\".*", "$1");
    assertThat(account).isNotBlank().doesNotContain("{");

    Run click = grpcurl(List.of("-H", "authorization: Bearer " + ADMIN_KEY,
        "-d", "{\"account_id\":\"" + account + "\",\"campaign_id\":\"spring\"}"), "kcid.tracking.v1.ClickService/IssueClick");
    assertThat(click.exit).as(click.output).isZero();
    assertThat(click.output).contains("\"kcid\":");

    // No key: grpcurl decodes the ErrorInfo detail, because reflection serves error_details.proto.
    Run refused = grpcurl(List.of("-d", "{\"account_id\":\"" + account + "\",\"campaign_id\":\"spring\"}"),
        "kcid.tracking.v1.ClickService/IssueClick");
    assertThat(refused.exit).as(refused.output).isNotZero();
    assertThat(refused.output)
        .contains("Code: Unauthenticated", "google.rpc.ErrorInfo", "\"reason\": \"API_KEY_INVALID\"",
            "\"domain\": \"tracking.kcid.io\"")
        .doesNotContain("not recognized");
  }

  @Test
  void v1alphaReflectionListsServicesAndFindsErrorInfo() throws Exception {
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    try {
      List<ServerReflectionResponse> answers = reflect(channel,
          ServerReflectionRequest.newBuilder().setListServices("").build(),
          ServerReflectionRequest.newBuilder().setFileContainingSymbol("google.rpc.ErrorInfo").build());
      assertThat(answers.get(0).getListServicesResponse().getServiceList())
          .extracting(s -> s.getName())
          .contains("kcid.tracking.v1.ClickService", "grpc.reflection.v1alpha.ServerReflection");
      assertThat(answers.get(1).hasFileDescriptorResponse()).as(answers.get(1).toString()).isTrue();
      assertThat(answers.get(1).getFileDescriptorResponse().getFileDescriptorProto(0).toStringUtf8())
          .contains("google/rpc/error_details.proto");
    } finally {
      channel.shutdownNow();
    }
  }

  @Test
  void livenessStaysServingWhileReadinessFollowsRedis() throws Exception {
    assertThat(probe("liveness").output).contains("SERVING");
    assertThat(probe("").exit).isZero();
    assertThat(probe("kcid.tracking.v1.ClickService").exit).isZero();

    redis.close(); // Redis goes away
    try {
      Awaitility.await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
        Run readiness = probe("");
        assertThat(readiness.exit).as(readiness.output).isNotZero();
        assertThat(readiness.output).contains("NOT_SERVING");
      });
      assertThat(probe("kcid.tracking.v1.ConversionService").output).contains("NOT_SERVING");
      Run liveness = probe("liveness");
      assertThat(liveness.exit).as(liveness.output).isZero();
      assertThat(liveness.output).contains("status: SERVING");
    } finally {
      redis = LocalRedis.start(redisPort, redisData, false); // and comes back on the same port
    }
    Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      Run readiness = probe("");
      assertThat(readiness.exit).as(readiness.output).isZero();
    });
    assertThat(probe("liveness").exit).isZero();
  }

  private static List<ServerReflectionResponse> reflect(ManagedChannel channel, ServerReflectionRequest... requests)
      throws Exception {
    List<ServerReflectionResponse> answers = new ArrayList<>();
    CompletableFuture<Void> done = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> out = ServerReflectionGrpc.newStub(channel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .serverReflectionInfo(new StreamObserver<>() {
          @Override
          public void onNext(ServerReflectionResponse value) {
            answers.add(value);
          }

          @Override
          public void onError(Throwable t) {
            done.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {
            done.complete(null);
          }
        });
    for (ServerReflectionRequest request : requests) {
      out.onNext(request);
    }
    out.onCompleted();
    done.get(10, TimeUnit.SECONDS);
    return answers;
  }

  /** grpcurl with {@code flags} before the server's address and {@code rest} (verb, symbol or method) after it. */
  private static Run grpcurl(List<String> flags, String... rest) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(ExternalTools.require("grpcurl").toString(), "-plaintext",
        "-max-time", "10"));
    command.addAll(flags);
    command.add("127.0.0.1:" + server.port());
    command.addAll(List.of(rest));
    return Run.of(command);
  }

  private static Run probe(String service) throws IOException, InterruptedException {
    return Run.of(List.of(ExternalTools.require("grpc-health-probe").toString(),
        "-addr", "127.0.0.1:" + server.port(), "-service", service, "-connect-timeout", "3s", "-rpc-timeout", "3s"));
  }

  /** A finished tool: exit status and everything it printed. */
  record Run(int exit, String output) {
    static Run of(List<String> command) throws IOException, InterruptedException {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError(command + " did not finish: " + output);
      }
      return new Run(process.exitValue(), output);
    }
  }
}
