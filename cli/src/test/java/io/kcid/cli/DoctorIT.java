package io.kcid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kcid.cli.InProcessCli.Run;
import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.edge.HttpEdge;
import io.kcid.server.TrackingServer;
import io.kcid.server.auth.AuthMode;
import io.kcid.server.auth.ConfiguredApiKeys;
import io.kcid.server.common.IpPrivacy;
import io.kcid.server.config.ServerConfig;
import io.kcid.server.config.ServerSecurity;
import io.kcid.server.store.redis.LocalRedis;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./kcid doctor} against a real redis-server, tracking-server (API keys required) and edge:
 * a healthy deployment is all ok; real problems — a Redis without AOF, other kcid keys, an unknown
 * API key, a spool directory that cannot be created, a server that is not there — say what to fix.
 */
class DoctorIT {
  private static final String ROOT = "root-key-0123456789abcdef0123456789";
  private static final KcidKeyRing KEYS = KcidKeyRing.generate(1);

  private static LocalRedis redis;
  private static TrackingServer server;
  private static HttpEdge edge;

  @TempDir Path dir;

  @BeforeAll
  static void start() throws IOException {
    redis = LocalRedis.start(0, Files.createTempDirectory("kcid-doctor-redis"), true);
    server = TrackingServer.start(ServerConfig.builder().bindHost("127.0.0.1").grpcPort(0).redisUrl(redis.url())
        .partitions(16).macKeys(KEYS).redisTimeout(Duration.ofMillis(500)).redisQueueSize(1000)
        .accountCacheTtl(Duration.ZERO).streamMaxLength(10_000).drainDelay(Duration.ZERO)
        .shutdownGrace(Duration.ofSeconds(5))
        .security(new ServerSecurity(AuthMode.REQUIRED, ConfiguredApiKeys.parse("root:admin:" + ROOT),
            Duration.ofSeconds(5), null, null, null, 100, 100, IpPrivacy.truncate()))
        .build());
    edge = HttpEdge.start(TestEdges.loopback(server.port()).apiKey(ROOT).build());
  }

  @AfterAll
  static void stop() {
    edge.close();
    server.close();
    redis.close();
  }

  /** Runs the CLI in this JVM, capturing what it prints. */
  private static Run kcid(String... args) {
    return InProcessCli.run(args);
  }

  private Run doctor(String redisUrl, String apiKey, String macKeys, Path spool) {
    return kcid("doctor", "--grpc-addr=localhost:" + server.port(), "--api-key=" + apiKey, "--redis-url=" + redisUrl,
        "--edge-url=http://127.0.0.1:" + edge.port(), "--mac-keys=" + macKeys, "--spool-dir=" + spool);
  }

  @Test
  void aHealthyDeploymentIsOkOnEveryLine() {
    Path spool = dir.resolve("spool");
    Awaitility.await().atMost(15, TimeUnit.SECONDS).untilAsserted(() -> {
      Run run = doctor(redis.url(), ROOT, KEYS.toSpec(), spool);
      assertThat(run.lines()).as(run.out() + run.err()).allMatch(line -> line.startsWith("ok  "));
      assertThat(run.exit()).isZero();
    });
    Run run = doctor(redis.url(), ROOT, KEYS.toSpec(), spool);
    assertThat(run.out()).contains("server: localhost:" + server.port() + " is SERVING", "auth: API keys required",
        "the given key holds admin", "redis mode: standalone", "role master", "appendonly yes, appendfsync always",
        "clock (redis): differs", "kcid keys: the server verifies", "edge: http://127.0.0.1:" + edge.port() + " is ready",
        "spool: " + spool.toAbsolutePath() + " does not exist yet");
  }

  @Test
  void realProblemsSayWhatToFix() throws IOException {
    LocalRedis noAof = LocalRedis.startTemporary();
    RedisClient client = RedisClient.create(noAof.url());
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      connection.sync().configSet("appendonly", "no");
      Path file = Files.writeString(dir.resolve("not-a-dir"), "x");

      Run run = doctor(noAof.url(), ROOT, KcidKeyRing.generate(1).toSpec(), file.resolve("spool"));

      assertThat(run.exit()).as(run.out()).isEqualTo(1);
      assertThat(run.out()).contains(
          "ok    server:",
          "ok    auth:",
          "warn  redis persistence: appendonly no", "set appendonly yes",
          "fail  kcid keys: the server refuses a kcid minted with the local KCID_MAC_KEYS (KCID_MAC_MISMATCH) — ",
          "fail  spool: ", "is not a directory — ");

      Run unknownKey = doctor(redis.url(), "unknown-key-0123456789abcdef", KEYS.toSpec(), dir);
      assertThat(unknownKey.exit()).isEqualTo(1);
      assertThat(unknownKey.out()).contains("fail  auth: the server does not know the given API key — ",
          "ok    spool: " + dir.toAbsolutePath() + " is writable");
    } finally {
      client.shutdown();
      noAof.close();
    }
  }

  @Test
  void anUnreachableServerExitsThree() throws IOException {
    int closed;
    try (ServerSocket socket = new ServerSocket(0)) {
      closed = socket.getLocalPort();
    }
    Run run = kcid("doctor", "--grpc-addr=localhost:" + closed, "--redis-url=redis://127.0.0.1:" + closed,
        "--spool-dir=off", "--timeout-ms=3000");
    assertThat(run.exit()).as(run.out()).isEqualTo(DoctorCommand.EXIT_UNREACHABLE);
    assertThat(run.lines().get(0)).startsWith("fail  server: no answer from localhost:" + closed + ": UNAVAILABLE")
        .contains(" — start it (./kcid server or ./kcid up)");
    assertThat(run.out()).contains("fail  redis: nothing accepts connections at redis://127.0.0.1:" + closed,
        "ok    spool: off");
  }

  @Test
  void jsonListsTheSameChecks() throws Exception {
    Run run = kcid("doctor", "--grpc-addr=localhost:" + server.port(), "--api-key=" + ROOT, "--spool-dir=off", "--json");
    JsonNode json = new ObjectMapper().readTree(run.out());
    List<String> checks = new ArrayList<>();
    json.get("checks").forEach(check -> checks.add(check.get("status").asText() + " " + check.get("check").asText()));
    assertThat(checks).contains("ok server", "ok auth", "warn redis", "ok spool");
    assertThat(run.exit()).isZero();
  }
}
