package io.kcid.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.proto.tracking.v1.Account;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.CreateGoalRequest;
import io.kcid.proto.tracking.v1.GetAccountRequest;
import io.kcid.proto.tracking.v1.PostbackAuth;
import io.kcid.proto.tracking.v1.PostbackAuthMethod;
import io.kcid.proto.tracking.v1.UpdateAccountRequest;
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
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code ./kcid account update} through the real jar against a real tracking-server and
 * redis-server: every flag alone changes its own setting and nothing else, read back from the
 * store (issue 12, item 4: {@code --allow-ip} and {@code --signature-tolerance} used to drop the
 * accepted credentials and make the account IP-only).
 */
class AccountUpdateIT {
  private static final PostbackAuthMethod TOKEN = PostbackAuthMethod.POSTBACK_AUTH_METHOD_TOKEN;
  private static final PostbackAuthMethod SIGNATURE = PostbackAuthMethod.POSTBACK_AUTH_METHOD_SIGNATURE;

  private static LocalRedis redis;
  private static TrackingServer server;
  private static ManagedChannel channel;
  private static AdminServiceGrpc.AdminServiceBlockingStub admin;
  private static Path home;

  record Result(int exit, String out, String err) {}

  @BeforeAll
  static void start() throws Exception {
    home = Files.createTempDirectory("kcid-account-update");
    redis = LocalRedis.startTemporary();
    server = TrackingServer.start(ServerConfig.builder().bindHost("127.0.0.1").grpcPort(0)
        .redisUrl(redis.url()).partitions(16).macKeys(KcidKeyRing.generate(1))
        .redisTimeout(Duration.ofMillis(500)).redisQueueSize(1000).accountCacheTtl(Duration.ZERO)
        .streamMaxLength(10_000).drainDelay(Duration.ZERO).shutdownGrace(Duration.ofSeconds(5)).build());
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    admin = AdminServiceGrpc.newBlockingStub(channel);
  }

  @AfterAll
  static void stop() {
    channel.shutdownNow();
    server.close();
    redis.close();
  }

  private static Result kcid(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", System.getProperty("kcid.jar")));
    cmd.addAll(List.of(args));
    cmd.addAll(List.of("--grpc-addr", "127.0.0.1:" + server.port()));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().keySet().removeIf(k -> k.startsWith("KCID_"));
    pb.environment().put("KCID_HOME", home.toString());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Result(p.exitValue(), out.trim(), err.trim());
  }

  private static Account stored(String id) {
    return admin.getAccount(GetAccountRequest.newBuilder().setAccountId(id).build()).getAccount();
  }

  private static Account.Builder auth(Account.Builder a, UnaryOperator<PostbackAuth.Builder> change) {
    return a.setPostbackAuth(change.apply(a.getPostbackAuth().toBuilder()));
  }

  private static com.google.protobuf.Duration seconds(long s) {
    return com.google.protobuf.Duration.newBuilder().setSeconds(s).build();
  }

  /** Runs one `account update` and checks the stored account changed exactly as {@code expected} says. */
  private static Account step(String id, Account current, UnaryOperator<Account.Builder> expected, String... flags)
      throws Exception {
    List<String> args = new ArrayList<>(List.of("account", "update", id));
    args.addAll(List.of(flags));
    Result r = kcid(args.toArray(String[]::new));
    assertThat(r.exit()).as("%s: %s", args, r.err()).isZero();
    Account want = expected.apply(current.toBuilder()).build();
    assertThat(stored(id)).as(String.join(" ", flags)).isEqualTo(want);
    return want;
  }

  @Test
  void allowIpUpdateKeepsTokenAuth() throws Exception {
    String id = "allowip";
    Account created = admin.createAccount(CreateAccountRequest.newBuilder().setAccountId(id).build()).getAccount();
    Account after = step(id, created, a -> auth(a, p -> p.addIpAllowlist("127.0.0.1")), "--allow-ip", "127.0.0.1");
    assertThat(after.getPostbackAuth().getMethodsList()).containsExactly(TOKEN);
    Result shown = kcid("account", "get", id);
    assertThat(shown.out()).contains("[token] from [127.0.0.1]");
  }

  @Test
  void signatureToleranceUpdateKeepsMethods() throws Exception {
    String id = "tolerance";
    Account created = admin.createAccount(CreateAccountRequest.newBuilder().setAccountId(id).build()).getAccount();
    Account after = step(id, created, a -> auth(a, p -> p.setSignatureTolerance(seconds(90))), "--signature-tolerance", "90s");
    assertThat(after.getPostbackAuth().getMethodsList()).containsExactly(TOKEN);
  }

  @Test
  void authEmptyMakesIpOnly() throws Exception {
    String id = "iponly";
    Account current = admin.createAccount(CreateAccountRequest.newBuilder().setAccountId(id).build()).getAccount();
    // IP-only without an allowlist would accept nothing: refused, nothing changed.
    Result refused = kcid("account", "update", id, "--auth", "");
    assertThat(refused.exit()).isEqualTo(1);
    assertThat(refused.err()).contains("INVALID_PARAMETER").contains("IP-only");
    assertThat(stored(id)).isEqualTo(current);

    current = step(id, current, a -> auth(a, p -> p.clearMethods().addIpAllowlist("127.0.0.1")),
        "--auth", "", "--allow-ip", "127.0.0.1");
    assertThat(kcid("account", "get", id).out()).contains("[] (IP only) from [127.0.0.1]");
    current = step(id, current, a -> auth(a, p -> p.addMethods(TOKEN)), "--auth", "token");
    step(id, current, a -> auth(a, p -> p.clearMethods()), "--auth", "none");
  }

  @Test
  void everyUpdateFlagChangesOnlyItsSetting() throws Exception {
    String id = "everyflag";
    admin.createAccount(CreateAccountRequest.newBuilder().setAccountId(id).build());
    admin.createGoal(CreateGoalRequest.newBuilder().setAccountId(id).setGoalKey("sale").build());
    Account current = admin.updateAccount(UpdateAccountRequest.newBuilder().setAccountId(id)
        .setPostbackAuth(PostbackAuth.newBuilder().addMethods(TOKEN).addMethods(SIGNATURE)
            .addIpAllowlist("192.0.2.0/24").setSignatureTolerance(seconds(120))).build()).getAccount();

    current = step(id, current, a -> a.setDisplayName("Renamed"), "--name", "Renamed");
    current = step(id, current, a -> a.setKcidParameter("clickref"), "--kcid-param", "clickref");
    current = step(id, current, a -> a.setDefaultGoalKey("sale"), "--default-goal", "sale");
    current = step(id, current, a -> a.setLegacyHttp200(true), "--legacy-200", "true");
    current = step(id, current, a -> auth(a, p -> p.setSignatureTolerance(seconds(45))), "--signature-tolerance", "45s");
    current = step(id, current, a -> auth(a, p -> p.clearIpAllowlist().addIpAllowlist("198.51.100.7").addIpAllowlist("203.0.113.0/24")),
        "--allow-ip", "198.51.100.7,203.0.113.0/24");
    current = step(id, current, a -> auth(a, p -> p.clearMethods().addMethods(SIGNATURE)), "--auth", "signature");
    current = step(id, current, a -> auth(a, p -> p.clearMethods()), "--auth", "");
    current = step(id, current, a -> auth(a, p -> p.addMethods(TOKEN).addMethods(SIGNATURE)), "--auth", "token,signature");
    current = step(id, current, a -> auth(a, p -> p.clearIpAllowlist()), "--allow-ip", "");
    step(id, current, a -> a.setLegacyHttp200(false), "--legacy-200", "false");
  }
}
