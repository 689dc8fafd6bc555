package io.kcid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.CreateGoalRequest;
import io.kcid.proto.tracking.v1.DiagnosticsServiceGrpc;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.GoalState;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.ListPostbacksRequest;
import io.kcid.proto.tracking.v1.ListPostbacksResponse;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.proto.tracking.v1.RecordConversionsRequest;
import io.kcid.proto.tracking.v1.UpdateGoalRequest;
import io.kcid.server.TrackingServer;
import io.kcid.server.config.ServerConfig;
import io.kcid.server.store.redis.LocalRedis;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Ctrl-C during {@code ./kcid replay}: the real CLI jar in its own JVM against a real
 * tracking-server and redis-server, sent SIGINT once the replay is under way. It stops between two
 * calls, prints what it did and a summary, and exits 130 without a stack trace.
 */
class ReplayInterruptIT {
  /** Enough rejected postbacks that the replay (100 per call) is still running when SIGINT lands. */
  private static final int POSTBACKS = 4000;

  private static LocalRedis redis;
  private static TrackingServer server;
  private static ManagedChannel channel;

  @BeforeAll
  static void start() {
    redis = LocalRedis.startTemporary();
    server = TrackingServer.start(ServerConfig.builder().bindHost("127.0.0.1").grpcPort(0)
        .redisUrl(redis.url()).partitions(16).macKeys(KcidKeyRing.generate(1))
        .redisTimeout(Duration.ofSeconds(2)).redisQueueSize(10_000).accountCacheTtl(Duration.ZERO)
        .streamMaxLength(10_000).drainDelay(Duration.ZERO).shutdownGrace(Duration.ofSeconds(5)).build());
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
  }

  @AfterAll
  static void stop() {
    channel.shutdownNow();
    server.close();
    redis.close();
  }

  @Test
  void ctrlCStopsTheReplayBetweenCallsWithASummaryAndExit130() throws Exception {
    List<String> launcher = sigintByDefault();
    AdminServiceGrpc.AdminServiceBlockingStub admin = AdminServiceGrpc.newBlockingStub(channel);
    admin.createAccount(CreateAccountRequest.newBuilder().setAccountId("bulk").build());
    admin.createGoal(CreateGoalRequest.newBuilder().setAccountId("bulk").setGoalKey("sale")
        .setState(GoalState.GOAL_STATE_PAUSED).build());
    String kcid = ClickServiceGrpc.newBlockingStub(channel)
        .issueClick(IssueClickRequest.newBuilder().setAccountId("bulk").setCampaignId("summer").build()).getClick().getKcid();
    // Sent by a trusted caller (authenticated as the account), refused for the paused goal: replayable.
    ConversionServiceGrpc.ConversionServiceBlockingStub conversions = ConversionServiceGrpc.newBlockingStub(channel);
    for (int batch = 0; batch < POSTBACKS / 100; batch++) {
      RecordConversionsRequest.Builder items = RecordConversionsRequest.newBuilder();
      for (int i = 0; i < 100; i++) {
        items.addItems(RecordConversionRequest.newBuilder().setAccountId("bulk").setKcid(kcid).setGoalKey("sale")
            .setTransactionId("t-" + batch + "-" + i));
      }
      assertThat(conversions.recordConversions(items.build()).getResultsList())
          .allSatisfy(r -> assertThat(r.getError().getReason()).isEqualTo(ErrorReason.ERROR_REASON_GOAL_PAUSED));
    }
    DiagnosticsServiceGrpc.DiagnosticsServiceBlockingStub diagnostics = DiagnosticsServiceGrpc.newBlockingStub(channel);
    Awaitility.await().atMost(60, TimeUnit.SECONDS).until(() -> logged(diagnostics) >= POSTBACKS);
    admin.updateGoal(UpdateGoalRequest.newBuilder().setAccountId("bulk").setGoalKey("sale")
        .setState(GoalState.GOAL_STATE_ACTIVE).build());

    Path dir = Files.createTempDirectory("kcid-replay-interrupt");
    List<String> command = new ArrayList<>(launcher);
    command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
        "-cp", System.getProperty("kcid.jar"), "io.kcid.cli.KcidCli",
        "replay", "--account", "bulk", "--since", "1h", "--reason", "GOAL_PAUSED", "--grpc-addr", "127.0.0.1:" + server.port()));
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
        .redirectOutput(dir.resolve("out").toFile()).redirectError(dir.resolve("err").toFile());
    builder.environment().keySet().removeIf(k -> k.startsWith("KCID_"));
    builder.environment().put("KCID_HOME", dir.toString());
    Process replay = builder.start();
    try {
      // Under way: its first replays are in the log (and most of the postbacks are still to go).
      Awaitility.await().atMost(60, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(10)).until(() -> {
        assertThat(replay.isAlive()).as("the replay ended before it was interrupted: %s", read(dir.resolve("err"))).isTrue();
        return !diagnostics.listPostbacks(ListPostbacksRequest.newBuilder().setAccountId("bulk").setPageSize(1).build())
            .getEntries(0).getReplayOf().isEmpty();
      });
      // Process.destroy() sends SIGTERM; Ctrl-C is SIGINT. env execs java: the pid is the JVM's.
      assertThat(new ProcessBuilder("/bin/sh", "-c", "kill -INT " + replay.pid()).start().waitFor()).isZero();
      assertThat(replay.waitFor(60, TimeUnit.SECONDS)).as("stopped after Ctrl-C").isTrue();
    } finally {
      replay.destroyForcibly();
    }

    String out = read(dir.resolve("out"));
    String err = read(dir.resolve("err"));
    assertThat(replay.exitValue()).as(err).isEqualTo(130);
    Matcher summary = Pattern.compile("interrupted: replayed (\\d+) postbacks: .*accepted.* in \\d+\\.\\d s").matcher(err);
    assertThat(summary.find()).as(err).isTrue();
    int replayed = Integer.parseInt(summary.group(1));
    System.out.println("Ctrl-C stopped the replay after " + replayed + " of " + POSTBACKS + ": " + summary.group());
    assertThat(replayed).as("stopped before the end, after at least one call").isBetween(100, POSTBACKS - 1);
    assertThat(err).doesNotContain("Exception").doesNotContain("\tat ");
    // What was done is printed, one row per replayed postback, and nothing more was replayed after.
    assertThat(out.lines().filter(l -> l.contains(" -> ")).count()).isEqualTo(replayed);
    Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> logged(diagnostics) == POSTBACKS + replayed);
  }

  /** The account's log size, paging through it. */
  private static int logged(DiagnosticsServiceGrpc.DiagnosticsServiceBlockingStub diagnostics) {
    int count = 0;
    String token = "";
    do {
      ListPostbacksResponse page = diagnostics.listPostbacks(ListPostbacksRequest.newBuilder().setAccountId("bulk")
          .setPageSize(1000).setPageToken(token).build());
      count += page.getEntriesCount();
      token = page.getNextPageToken();
    } while (!token.isEmpty());
    return count;
  }

  /**
   * A child inherits an ignored SIGINT (a test run started in the background ignores it), and the
   * JVM honours that. Coreutils' {@code env --default-signal} restores Ctrl-C's default for the
   * child; without it, the test runs only if SIGINT is not ignored here.
   */
  private static List<String> sigintByDefault() throws Exception {
    Process probe = new ProcessBuilder("env", "--default-signal=INT", "true").redirectErrorStream(true).start();
    probe.getInputStream().readAllBytes();
    if (probe.waitFor() == 0) {
      return List.of("env", "--default-signal=INT");
    }
    String status = Files.readString(Path.of("/proc/self/status"));
    Matcher ignored = Pattern.compile("SigIgn:\\s*([0-9a-f]+)").matcher(status);
    Assumptions.assumeTrue(ignored.find() && (Long.parseLong(ignored.group(1), 16) & (1L << 1)) == 0,
        "SIGINT is ignored in this process and env --default-signal is not available");
    return List.of();
  }

  private static String read(Path file) throws Exception {
    return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
  }
}
