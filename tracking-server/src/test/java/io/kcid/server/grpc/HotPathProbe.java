package io.kcid.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.IssueClickResponse;
import io.kcid.proto.tracking.v1.Outcome;
import io.kcid.proto.tracking.v1.PostbackCredentials;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.proto.tracking.v1.RecordConversionResponse;
import io.kcid.server.TrackingServer;
import io.kcid.server.auth.AuthMode;
import io.kcid.server.auth.ConfiguredApiKeys;
import io.kcid.server.config.ServerConfig;
import io.kcid.server.config.ServerSecurity;
import io.kcid.server.store.redis.testing.LocalStandalone;
import io.kcid.server.testing.TestServers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * A developer's probe, not a benchmark: closed-loop throughput of IssueClick and RecordConversion
 * (80% new, 20% duplicates) against a no-op unary call (Health/Check) on the same server, same
 * interceptors, same channel, with KCID_AUTH=required as deployed, against one real redis-server
 * ({@code appendfsync everysec}, as {@code ./kcid up}). The three run interleaved, round after
 * round, so a neighbour's load hits all of them alike; compare ratios, not absolute numbers. Not
 * part of the build (the class name matches no test pattern):
 *
 * <pre>./mvnw -B -ntp -q verify -pl tracking-server -am -Dtest=HotPathProbe \
 *     -Dsurefire.failIfNoSpecifiedTests=false [-Dkcid.probe.inflight=64,256] [-Dkcid.probe.rounds=3]
 *     [-DargLine=-XX:StartFlightRecording=filename=/tmp/probe.jfr,settings=profile]</pre>
 */
class HotPathProbe {
  private static final String KEY = "probe-key-0123456789abcdefghijkl";
  private static final int SECONDS = Integer.getInteger("kcid.probe.seconds", 5);
  private static final int WARMUP_SECONDS = Integer.getInteger("kcid.probe.warmup", 2);
  private static final int ROUNDS = Integer.getInteger("kcid.probe.rounds", 3);
  private static final String IN_FLIGHT = System.getProperty("kcid.probe.inflight", "64");
  /** Conversions of clicks already converted once: the goal counts once per click. */
  private static final double DUPLICATES = 0.2;
  private static final int RECORDED_RING = 1 << 16;

  @Test
  void noopVersusHotPath() throws Exception {
    try (LocalStandalone redis = LocalStandalone.start()) {
      ServerConfig.Builder base = TestServers.builder(redis.url()).redisQueueSize(10_000)
          .accountCacheTtl(Duration.ofSeconds(1)).streamMaxLength(1_000_000);
      TrackingServer server = TrackingServer.start(base.security(ServerSecurity.open().withAuth(
          AuthMode.REQUIRED, ConfiguredApiKeys.parse("probe:admin+issue+ingest:" + KEY))).build());
      ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext()
          .directExecutor().intercept(ApiKeyAuthTest.bearer(KEY)).build();
      SetFloor floor = SetFloor.start(redis.url());
      try {
        var account = AdminServiceGrpc.newBlockingStub(channel).createAccount(CreateAccountRequest.getDefaultInstance());
        // Counted, not asserted at once: on a starved machine a store timeout should not end the run.
        AtomicLong errors = new AtomicLong();
        Calls calls = new Calls(channel, account.getAccount().getAccountId(), account.getSecrets().getPostbackToken(),
            floor.channel());
        for (int inFlight : java.util.Arrays.stream(IN_FLIGHT.split(",")).mapToInt(Integer::parseInt).toArray()) {
          Map<String, List<Double>> rates = new java.util.LinkedHashMap<>();
          // Round 0 only warms the JIT up (a cold JVM runs each method several times slower).
          for (int round = 0; round <= ROUNDS; round++) {
            for (String method : List.of("noop", "grpc+SET", "IssueClick", "RecordConversion")) {
              Result r = run(redis, inFlight, calls.of(method), round == 0 ? 2 : SECONDS);
              if (round == 0) {
                continue;
              }
              rates.computeIfAbsent(method, m -> new ArrayList<>()).add(r.perSecond);
              System.out.printf("probe %3d in flight, round %d: %-16s %8.0f/s  errors %d  JVM CPU %.1f us/call"
                      + "  Redis CPU %.1f us/call  %.2f Redis commands/call  %.2f write syscalls/call"
                      + "  %.0f bytes allocated/call%n", inFlight, round, method, r.perSecond, r.errors, r.jvmMicros,
                  r.redisMicros, r.commandsPerCall, r.writesPerCall, r.bytesPerCall);
              errors.addAndGet(r.errors);
            }
          }
          List<Double> noop = rates.get("noop");
          for (String method : List.of("grpc+SET", "IssueClick", "RecordConversion")) {
            List<Double> ratios = new ArrayList<>();
            for (int i = 0; i < noop.size(); i++) {
              ratios.add(rates.get(method).get(i) / noop.get(i));
            }
            System.out.printf("probe %3d in flight: %-16s / noop = %.2f (%.2f-%.2f over %d rounds)%n", inFlight,
                method, ratios.stream().mapToDouble(d -> d).average().orElse(0),
                ratios.stream().mapToDouble(d -> d).min().orElse(0), ratios.stream().mapToDouble(d -> d).max().orElse(0),
                ratios.size());
          }
        }
        assertThat(calls.starved.get()).as("conversions without a fresh click").isZero();
        assertThat(errors.get()).as("failed calls").isZero();
      } finally {
        channel.shutdownNow();
        floor.close();
        server.close();
      }
    }
  }

  private record Result(double perSecond, long errors, double jvmMicros, double redisMicros,
      double commandsPerCall, double writesPerCall, double bytesPerCall) {}

  /** One asynchronous call; it reports success (true) or failure (false) exactly once. */
  private interface Call {
    void start(Consumer<Boolean> done);
  }

  private static Result run(LocalStandalone redis, int inFlight, Call call, int measureSeconds)
      throws InterruptedException {
    AtomicLong completed = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicLong stopped = new AtomicLong();
    // Each of the inFlight loops starts its next call from the completion of the previous one.
    Consumer<Boolean>[] loops = new Consumer[inFlight];
    for (int i = 0; i < inFlight; i++) {
      int slot = i;
      loops[i] = ok -> {
        completed.incrementAndGet();
        if (!ok) {
          errors.incrementAndGet();
        }
        if (running.get()) {
          call.start(loops[slot]);
        } else {
          stopped.incrementAndGet();
        }
      };
    }
    for (Consumer<Boolean> loop : loops) {
      call.start(loop);
    }
    Thread.sleep(TimeUnit.SECONDS.toMillis(WARMUP_SECONDS));
    long before = completed.get();
    long errorsBefore = errors.get();
    double cpuBefore = redis.cpuSeconds();
    long commandsBefore = commands(redis);
    long jvmCpuBefore = jvmCpuNanos();
    long writesBefore = writeSyscalls();
    long allocatedBefore = allocatedBytes();
    Map<String, long[]> statsBefore = commandStats(redis);
    long started = System.nanoTime();
    long startedMillis = System.currentTimeMillis();
    Thread.sleep(TimeUnit.SECONDS.toMillis(measureSeconds));
    // For cutting a JFR recording into phases.
    System.out.printf("probe window %d %d%n", startedMillis, System.currentTimeMillis());
    long done = completed.get() - before;
    double seconds = (System.nanoTime() - started) / 1e9;
    long errorCount = errors.get() - errorsBefore;
    double redisCpu = redis.cpuSeconds() - cpuBefore;
    long redisCommands = commands(redis) - commandsBefore;
    long jvmCpu = jvmCpuNanos() - jvmCpuBefore;
    long writes = writeSyscalls() - writesBefore;
    long allocated = allocatedBytes() - allocatedBefore;
    if (Boolean.getBoolean("kcid.probe.commandstats")) {
      printCommandStats(statsBefore, commandStats(redis), completed.get() - before);
    }
    running.set(false);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (stopped.get() < inFlight && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    return new Result(done / seconds, errorCount, jvmCpu / 1e3 / Math.max(1, done), redisCpu * 1e6 / Math.max(1, done),
        (double) redisCommands / Math.max(1, done), (double) writes / Math.max(1, done),
        (double) allocated / Math.max(1, done));
  }

  /**
   * Bytes allocated so far by this JVM's live threads (server and load generator): unlike CPU time,
   * barely moved by a neighbour's load, so it shows a change in work per call on a busy machine.
   */
  private static long allocatedBytes() {
    var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    long total = 0;
    for (long bytes : threads.getThreadAllocatedBytes(threads.getAllThreadIds())) {
      total += Math.max(0, bytes);
    }
    return total;
  }

  /** Write syscalls of this JVM so far (Linux /proc/self/io; 0 elsewhere). */
  private static long writeSyscalls() {
    try {
      for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/io"))) {
        if (line.startsWith("syscw:")) {
          return Long.parseLong(line.substring(6).trim());
        }
      }
    } catch (java.io.IOException e) {
      // not Linux: no count
    }
    return 0;
  }

  /** CPU time of this whole JVM: the server and the load generator. */
  private static long jvmCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
        .getOperatingSystemMXBean()).getProcessCpuTime();
  }

  /** Redis's per-command calls and microseconds (INFO commandstats). */
  private static Map<String, long[]> commandStats(LocalStandalone redis) {
    Map<String, long[]> stats = new java.util.TreeMap<>();
    for (String line : redis.commands().info("commandstats").split("\r?\n")) {
      var m = java.util.regex.Pattern.compile("cmdstat_(\\w+):calls=(\\d+),usec=(\\d+)").matcher(line);
      if (m.find()) {
        stats.put(m.group(1), new long[] {Long.parseLong(m.group(2)), Long.parseLong(m.group(3))});
      }
    }
    return stats;
  }

  private static void printCommandStats(Map<String, long[]> before, Map<String, long[]> after, long calls) {
    StringBuilder line = new StringBuilder("probe commandstats per call:");
    after.forEach((command, now) -> {
      long[] then = before.getOrDefault(command, new long[2]);
      double perCall = (now[0] - then[0]) / (double) Math.max(1, calls);
      if (perCall >= 0.01) {
        line.append(String.format(" %s %.2fx %.1fus", command, perCall, (now[1] - then[1]) / (double) Math.max(1, calls)));
      }
    });
    System.out.println(line);
  }

  /** Commands Redis processed so far (including the INFO calls themselves, negligible here). */
  private static long commands(LocalStandalone redis) {
    String stats = redis.commands().info("stats");
    for (String line : stats.split("\r?\n")) {
      if (line.startsWith("total_commands_processed:")) {
        return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
      }
    }
    return 0;
  }

  /** The three calls; IssueClick feeds the kcids RecordConversion posts back. */
  private static final class Calls {
    private final HealthGrpc.HealthStub health;
    private final ClickServiceGrpc.ClickServiceStub clicks;
    private final ConversionServiceGrpc.ConversionServiceStub conversions;
    private final IssueClickRequest click;
    private final PostbackCredentials token;
    private final ConcurrentLinkedQueue<String> fresh = new ConcurrentLinkedQueue<>();
    private final AtomicReferenceArray<String> recorded = new AtomicReferenceArray<>(RECORDED_RING);
    private final AtomicLong recordedCount = new AtomicLong();
    final AtomicLong starved = new AtomicLong();

    private final HealthGrpc.HealthStub floor;

    Calls(ManagedChannel channel, String accountId, String postbackToken, ManagedChannel floorChannel) {
      health = HealthGrpc.newStub(channel);
      floor = HealthGrpc.newStub(floorChannel);
      clicks = ClickServiceGrpc.newStub(channel);
      conversions = ConversionServiceGrpc.newStub(channel);
      click = IssueClickRequest.newBuilder().setAccountId(accountId).setCampaignId("spring-sale").build();
      token = PostbackCredentials.newBuilder().setToken(postbackToken).build();
    }

    Call of(String method) {
      return switch (method) {
        case "noop" -> done -> health.withDeadlineAfter(5, TimeUnit.SECONDS)
            .check(HealthCheckRequest.getDefaultInstance(), observer(done, r -> true));
        case "grpc+SET" -> done -> floor.withDeadlineAfter(5, TimeUnit.SECONDS)
            .check(HealthCheckRequest.getDefaultInstance(), observer(done, r -> true));
        case "IssueClick" -> done -> clicks.withDeadlineAfter(5, TimeUnit.SECONDS)
            .issueClick(click, observer(done, (IssueClickResponse r) -> fresh.add(r.getClick().getKcid())));
        default -> this::convert;
      };
    }

    private void convert(Consumer<Boolean> done) {
      long known = Math.min(recordedCount.get(), RECORDED_RING);
      boolean duplicate = known > 0 && ThreadLocalRandom.current().nextDouble() < DUPLICATES;
      String kcid = duplicate ? recorded.get(ThreadLocalRandom.current().nextInt((int) known)) : fresh.poll();
      if (kcid == null) {
        // Out of fresh clicks (IssueClick ran too short): fail the call rather than skew the mix.
        starved.incrementAndGet();
        done.accept(false);
        return;
      }
      Outcome expected = duplicate ? Outcome.OUTCOME_DUPLICATE : Outcome.OUTCOME_ACCEPTED;
      conversions.withDeadlineAfter(5, TimeUnit.SECONDS).recordConversion(
          RecordConversionRequest.newBuilder().setKcid(kcid).setCredentials(token).build(),
          observer(done, (RecordConversionResponse r) -> {
            if (!duplicate) {
              recorded.set((int) (recordedCount.getAndIncrement() % RECORDED_RING), kcid);
            }
            return r.getOutcome() == expected;
          }));
    }

    private static <T> StreamObserver<T> observer(Consumer<Boolean> done, java.util.function.Predicate<T> check) {
      return new StreamObserver<>() {
        private boolean ok;

        @Override
        public void onNext(T value) {
          ok = check.test(value);
        }

        @Override
        public void onError(Throwable t) {
          done.accept(false);
        }

        @Override
        public void onCompleted() {
          done.accept(ok);
        }
      };
    }
  }

  /**
   * The floor any Redis-backed call stands on here: a bare gRPC server (direct executor, no
   * interceptors) whose unary method does one Lettuce SET on its own connection and answers.
   */
  private record SetFloor(io.grpc.Server server, io.lettuce.core.RedisClient client, ManagedChannel channel)
      implements AutoCloseable {
    static SetFloor start(String redisUrl) throws java.io.IOException {
      io.lettuce.core.RedisClient client = io.lettuce.core.RedisClient.create(redisUrl);
      var redis = client.connect(io.lettuce.core.codec.ByteArrayCodec.INSTANCE).async();
      byte[] key = "probe:floor".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      io.grpc.Server server = io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder.forPort(0).directExecutor()
          .addService(new HealthGrpc.HealthImplBase() {
            @Override
            public void check(HealthCheckRequest request,
                StreamObserver<io.grpc.health.v1.HealthCheckResponse> observer) {
              redis.set(key, key).whenComplete((ok, failure) -> {
                if (failure != null) {
                  observer.onError(failure);
                } else {
                  observer.onNext(io.grpc.health.v1.HealthCheckResponse.getDefaultInstance());
                  observer.onCompleted();
                }
              });
            }
          }).build().start();
      return new SetFloor(server, client,
          NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().directExecutor().build());
    }

    @Override
    public void close() {
      channel.shutdownNow();
      server.shutdownNow();
      client.shutdown();
    }
  }
}
