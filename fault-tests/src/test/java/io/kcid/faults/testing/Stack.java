package io.kcid.faults.testing;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.edge.HttpEdge;
import io.kcid.edge.config.EdgeConfig;
import io.kcid.edge.config.SpoolConfig;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.CountingMode;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.CreateGoalRequest;
import io.kcid.server.TrackingServer;
import io.kcid.server.config.ServerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Starts the real components the way a deployment runs them, with test-sized timings. */
public final class Stack {
  public static final int PARTITIONS = 16;

  private Stack() {}

  /** A tracking-server on {@code port} (0 = free) with a 500 ms Redis timeout. */
  public static TrackingServer server(String redisUrl, KcidKeyRing keys, int port, Duration drainDelay) {
    return TrackingServer.start(ServerConfig.builder().bindHost("127.0.0.1").grpcPort(port).redisUrl(redisUrl)
        .partitions(PARTITIONS).macKeys(keys).redisTimeout(Duration.ofMillis(500)).redisQueueSize(10_000)
        .accountCacheTtl(Duration.ofMillis(200)).streamMaxLength(100_000).drainDelay(drainDelay)
        .shutdownGrace(Duration.ofSeconds(5)).build());
  }

  /** An edge without a click spool. */
  public static HttpEdge edge(String grpcTarget, int port, Duration callDeadline) {
    return HttpEdge.start(edgeConfig(grpcTarget).port(port).callDeadline(callDeadline).build());
  }

  /** An edge with a click spool in {@code spoolDir}, minting with {@code keys}. */
  public static HttpEdge spoolingEdge(
      String grpcTarget, int port, KcidKeyRing keys, Path spoolDir, Duration clickDeadline, Duration drainDelay) {
    SpoolConfig spool = new SpoolConfig(keys, PARTITIONS, spoolDir, 64L << 20, clickDeadline, Duration.ofMillis(300));
    return HttpEdge.start(edgeConfig(grpcTarget).port(port).drainDelay(drainDelay).spool(spool).build());
  }

  /**
   * The edge settings the fault tests start from: loopback at a free port, backend {@code grpcTarget},
   * 1500 ms call deadline, 64 KiB bodies, 2 workers, Retry-After 1 s; no key, limits or spool.
   */
  public static EdgeConfig.Builder edgeConfig(String grpcTarget) {
    return EdgeConfig.builder()
        .bindHost("127.0.0.1")
        .port(0)
        .grpcTarget(grpcTarget)
        .callDeadline(Duration.ofMillis(1500))
        .maxBodyBytes(65536)
        .workerThreads(2)
        .retryAfter(Duration.ofSeconds(1));
  }

  public static ManagedChannel channel(int port) {
    return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
  }

  /** A new account with one goal of this counting mode. */
  public static CreateAccountResponse account(ManagedChannel channel, String goalKey, CountingMode counting) {
    AdminServiceGrpc.AdminServiceBlockingStub admin =
        AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    CreateAccountResponse account = admin.createAccount(CreateAccountRequest.newBuilder().setDisplayName("Faults").build());
    admin.createGoal(CreateGoalRequest.newBuilder()
        .setAccountId(account.getAccount().getAccountId()).setGoalKey(goalKey).setCountingMode(counting).build());
    return account;
  }

  public static void addGoal(ManagedChannel channel, String accountId, String goalKey, CountingMode counting) {
    AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
        .createGoal(CreateGoalRequest.newBuilder().setAccountId(accountId).setGoalKey(goalKey).setCountingMode(counting).build());
  }

  public static int freePort() {
    try {
      return RedisProcess.freePort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Whether the scenarios run at full length ({@code -Pheavy}). */
  public static boolean heavy() {
    return Boolean.getBoolean("kcid.faults.heavy");
  }

  public static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
