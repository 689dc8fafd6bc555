package io.kcid.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.Outcome;
import io.kcid.proto.tracking.v1.PostbackCredentials;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.server.TrackingServer;
import io.kcid.server.config.ReplicaWait;
import io.kcid.server.config.ServerConfig;
import io.kcid.server.store.redis.testing.LocalCluster;
import io.kcid.server.store.redis.testing.LocalSentinel;
import io.kcid.server.store.redis.testing.LocalStandalone;
import io.kcid.server.store.redis.testing.RedisNode;
import io.kcid.server.store.redis.testing.TestRedis;
import io.kcid.server.testing.TestServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Recorder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Closed-loop throughput of the hot path over real gRPC: each of {@value #CALLERS} callers issues a
 * click, posts its conversion back, and starts over. Against one redis-server (AOF fsynced every
 * second, and always), a one-shard and a three-shard Cluster, and a primary with one replica
 * (Sentinel; a one-shard Cluster) with and without waiting for the replica (KCID_REDIS_WAIT_REPLICAS),
 * all on this machine. Not part of
 * the normal build (the class name matches no test pattern); the numbers in docs/DEPLOYMENT.md
 * come from:
 *
 * <pre>./mvnw -B -o -pl tracking-server -am verify -Dtest=ThroughputProbe \
 *     -Dsurefire.failIfNoSpecifiedTests=false -Dkcid.probe.seconds=20</pre>
 */
class ThroughputProbe {
  private static final int CALLERS = 32;
  private static final int SECONDS = Integer.getInteger("kcid.probe.seconds", 5);
  private static final int WARMUP_SECONDS = Math.min(5, SECONDS);

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"standalone", "standalone-fsync-always", "cluster-1-shard", "cluster-3-shards",
      "sentinel-1-replica", "sentinel-1-replica-wait", "cluster-1-shard-1-replica", "cluster-1-shard-1-replica-wait"})
  void clickThenConversion(String deployment) throws Exception {
    try (TestRedis redis = switch (deployment) {
          case "standalone" -> LocalStandalone.start();
          case "standalone-fsync-always" -> LocalStandalone.startFsyncAlways();
          case "cluster-1-shard" -> LocalCluster.start(1, 0, false);
          case "sentinel-1-replica", "sentinel-1-replica-wait" -> LocalSentinel.start();
          case "cluster-1-shard-1-replica", "cluster-1-shard-1-replica-wait" -> LocalCluster.start(1, 1, false);
          default -> LocalCluster.start(3, 0, false);
        }) {
      // The production defaults: 500 ms Redis timeout, accounts cached for a second; "-wait": every
      // click and conversion acknowledged only once the replica has it (WAIT 1, 100 ms).
      ServerConfig.Builder config = TestServers.builder(redis.url()).redisQueueSize(10_000)
          .accountCacheTtl(Duration.ofSeconds(1)).streamMaxLength(1_000_000);
      if (deployment.endsWith("-wait")) {
        config.replicaWait(new ReplicaWait(1, ReplicaWait.DEFAULT_TIMEOUT));
      }
      TrackingServer server = TrackingServer.start(config.build());
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
      try {
        CreateAccountResponse account = AdminServiceGrpc.newBlockingStub(channel)
            .createAccount(CreateAccountRequest.getDefaultInstance());
        Recorder issue = new Recorder(3);
        Recorder record = new Recorder(3);
        AtomicLong pairs = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> callers = new ArrayList<>();
        for (int i = 0; i < CALLERS; i++) {
          Thread t = new Thread(() -> loop(channel, account, issue, record, pairs, errors, running));
          t.setDaemon(true);
          callers.add(t);
          t.start();
        }
        Thread.sleep(TimeUnit.SECONDS.toMillis(WARMUP_SECONDS));
        issue.reset();
        record.reset();
        long before = pairs.get();
        double cpuBefore = redis.cpuSeconds();
        long started = System.nanoTime();
        Thread.sleep(TimeUnit.SECONDS.toMillis(SECONDS));
        long done = pairs.get() - before;
        double seconds = (System.nanoTime() - started) / 1e9;
        double redisCpu = redis.cpuSeconds() - cpuBefore;
        var issued = issue.getIntervalHistogram();
        var recorded = record.getIntervalHistogram();
        running.set(false);
        for (Thread t : callers) {
          t.join(10_000);
        }
        System.out.printf("probe %s: %.0f click+conversion pairs/s (%d callers, %d s);"
                + " IssueClick p50 %.1f ms p99 %.1f ms; RecordConversion p50 %.1f ms p99 %.1f ms;"
                + " Redis CPU %.1f us per pair; %d errors%n",
            deployment, done / seconds, CALLERS, SECONDS,
            issued.getValueAtPercentile(50) / 1e6, issued.getValueAtPercentile(99) / 1e6,
            recorded.getValueAtPercentile(50) / 1e6, recorded.getValueAtPercentile(99) / 1e6,
            redisCpu * 1e6 / done, errors.get());
        if (deployment.endsWith("-wait")) {
          // How well writes shared their WAIT (group commit): scripts per WAIT on the primary.
          RedisNode primary = redis instanceof LocalSentinel s ? s.primary() : ((LocalCluster) redis).primaries().get(0);
          String stats = primary.sync().info("commandstats");
          System.out.printf("probe %s: %.1f scripts per WAIT%n", deployment,
              (double) calls(stats, "evalsha") / Math.max(1, calls(stats, "wait")));
        }
        assertThat(done).isPositive();
        if (!deployment.endsWith("-wait")) {
          // With WAIT, a replica slower than the WAIT timeout (a starved machine) is a 503: counted, allowed.
          assertThat(errors.get()).isZero();
        }
      } finally {
        channel.shutdownNow();
        server.close();
      }
    }
  }

  private static long calls(String commandstats, String command) {
    var m = java.util.regex.Pattern.compile("cmdstat_" + command + ":calls=(\\d+)").matcher(commandstats);
    return m.find() ? Long.parseLong(m.group(1)) : 0;
  }

  private static void loop(ManagedChannel channel, CreateAccountResponse account, Recorder issue,
      Recorder record, AtomicLong pairs, AtomicLong errors, AtomicBoolean running) {
    var clicks = ClickServiceGrpc.newBlockingStub(channel);
    var conversions = ConversionServiceGrpc.newBlockingStub(channel);
    IssueClickRequest click = IssueClickRequest.newBuilder()
        .setAccountId(account.getAccount().getAccountId()).setCampaignId("spring-sale").build();
    PostbackCredentials token = PostbackCredentials.newBuilder().setToken(account.getSecrets().getPostbackToken()).build();
    while (running.get()) {
      try {
        long t0 = System.nanoTime();
        String kcid = clicks.withDeadlineAfter(5, TimeUnit.SECONDS).issueClick(click).getClick().getKcid();
        long t1 = System.nanoTime();
        Outcome outcome = conversions.withDeadlineAfter(5, TimeUnit.SECONDS)
            .recordConversion(RecordConversionRequest.newBuilder().setKcid(kcid).setCredentials(token).build())
            .getOutcome();
        long t2 = System.nanoTime();
        issue.recordValue(t1 - t0);
        record.recordValue(t2 - t1);
        if (outcome == Outcome.OUTCOME_ACCEPTED) {
          pairs.incrementAndGet();
        } else {
          errors.incrementAndGet();
        }
      } catch (RuntimeException e) {
        errors.incrementAndGet();
      }
    }
  }
}
