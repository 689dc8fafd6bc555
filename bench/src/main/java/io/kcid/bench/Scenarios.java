package io.kcid.bench;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.kcid.bench.env.Ghz;
import io.kcid.bench.env.ProcStat;
import io.kcid.bench.env.RedisInfo;
import io.kcid.bench.env.Wrk;
import io.kcid.bench.load.AsyncOp;
import io.kcid.bench.load.CallbackOp;
import io.kcid.bench.load.ClosedLoop;
import io.kcid.bench.load.GrpcUnaryOp;
import io.kcid.bench.load.OpenLoop;
import io.kcid.bench.load.Run;
import io.kcid.bench.load.Window;
import io.kcid.bench.report.CrossCheck;
import io.kcid.bench.report.ScenarioResult;
import io.kcid.bench.report.Subject;
import io.kcid.core.click.ClickUrlSigner;
import io.kcid.core.kcid.DecodedKcid;
import io.kcid.core.kcid.KcidCodec;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.Click;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.CreateDestinationRequest;
import io.kcid.proto.tracking.v1.CreateGoalRequest;
import io.kcid.proto.tracking.v1.DeliveryServiceGrpc;
import io.kcid.proto.tracking.v1.DestinationKind;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.Money;
import io.kcid.proto.tracking.v1.Outcome;
import io.kcid.proto.tracking.v1.PostbackCredentials;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.proto.tracking.v1.RecordConversionResponse;
import io.kcid.server.store.ClickStore;
import io.kcid.server.store.StoredClick;
import io.kcid.server.store.redis.RedisClickStore;
import io.kcid.server.store.redis.RedisConnector;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/** The scenarios of issue #6, each measuring kcid and its baseline back to back on one {@link Rig}. */
final class Scenarios {
  static final List<String> ALL = List.of(
      "grpc-issue-click-64", "grpc-issue-click-256", "grpc-record-conversion", "edge-click", "edge-postback",
      "open-loop", "redis-ops", "deliveries",
      // Last: a million clicks make Redis rewrite its AOF in a forked child, CPU the later runs would share.
      "memory");

  private static final List<String> GRPC_PROCESSES = List.of("load-generator", Rig.GENERATOR_THREADS, "tracking-server", "redis");
  private static final String DESTINATION = "https://shop.example/landing?ref=ad";

  private final Rig rig;
  private final Settings settings;
  private final Wrk wrk;
  private final Ghz ghz;
  private final KcidCodec codec;
  /** The highest IssueClick rate measured in this run (closed loop, 64 in flight); the open loop runs at half. */
  private double issueClickMax;
  /** The settling slices of the tracking-server's IssueClick warm-up ({@link #warmUp}). */
  private List<String> serverWarmUp = List.of();
  private Click template;

  /**
   * @param rounds how many alternating rounds the gRPC and Redis scenarios split their measured time into
   * @param settleLimit how long a subject may keep warming up past {@code warmup} until the JIT is
   *     quiet ({@link #settle}; zero: not at all, as {@code --quick} runs)
   */
  record Settings(Duration warmup, Duration measure, int rounds, int memoryClicks, int memoryConversions,
      int wrkConnections, int wrkThreads, Duration settleLimit) {}

  /** Warm-up slices of a subject until the JIT is quiet ({@link #settle}). */
  private static final Duration SETTLE_SLICE = Duration.ofSeconds(3);
  /**
   * Clicks issued for each RecordConversion warm-up slice: more than a slice records at this
   * machine class's rates (a few thousand a second); past them, requests repeat (duplicates).
   */
  private static final int SETTLE_SLICE_CONVERSIONS = 12_000;
  /** The seed of the order conversions are sent in ({@link #inArrivalOrder}). */
  private static final long ARRIVAL_ORDER_SEED = 20261206L;
  /** The JIT's share of the served CPU in a slice under which a subject counts as warm. */
  private static final double JIT_QUIET = 0.02;
  /** The details entry listing each HTTP subject's settling slices: CPU µs per operation, JIT share. */
  static final String WARM_UP_DETAIL = "warm_up_slices";

  Scenarios(Rig rig, Settings settings, Wrk wrk, Ghz ghz) {
    this.rig = rig;
    this.settings = settings;
    this.wrk = wrk;
    this.ghz = ghz;
    this.codec = new KcidCodec(rig.keys, rig.partitions);
  }

  /**
   * JIT warm-up of the tracking-server and of this JVM before the first measurement, so that the
   * first scenario's numbers are not those of cold code (each run also warms up on its own).
   */
  void warmUp() throws InterruptedException {
    ClosedLoop.run(issueClickOp(), 64, settings.warmup(), Duration.ofSeconds(1), Window.NONE);
    serverWarmUp = settle(() -> warmingUp(
        () -> ClosedLoop.run(issueClickOp(), 64, Duration.ZERO, SETTLE_SLICE, Window.NONE)));
    ClosedLoop.run(noOp(), 64, settings.warmup(), Duration.ofSeconds(1), Window.NONE);
  }

  /**
   * kcid's operation and its baseline's, in alternating rounds (baseline first, then kcid first, …)
   * so that both see the same machine when other work comes and goes; each subject's rounds are
   * merged. The first round of each warms up for the full warm-up, later ones for a second.
   */
  private Run[] alternate(int inFlight, CallbackOp kcid, Cpu kcidCpu, java.util.function.BooleanSupplier kcidExhausted,
      CallbackOp baseline, Cpu baselineCpu) throws InterruptedException {
    int rounds = settings.rounds();
    Duration slice = settings.measure().dividedBy(rounds);
    List<Run> kcidRuns = new ArrayList<>();
    List<Run> baselineRuns = new ArrayList<>();
    for (int r = 0; r < rounds; r++) {
      Duration warm = r == 0 ? settings.warmup() : Duration.ofSeconds(Math.min(1, settings.warmup().toSeconds()));
      for (int turn = 0; turn < 2; turn++) {
        boolean kcidTurn = (turn == 1) == (r % 2 == 0);
        if (kcidTurn) {
          if (!kcidExhausted.getAsBoolean()) {
            kcidRuns.add(ClosedLoop.run(kcid, inFlight, warm, slice, kcidCpu, kcidExhausted));
          }
        } else {
          baselineRuns.add(ClosedLoop.run(baseline, inFlight, warm, slice, baselineCpu));
        }
      }
    }
    return new Run[] {Run.merge(kcidRuns), Run.merge(baselineRuns)};
  }

  ScenarioResult run(String id) throws Exception {
    return switch (id) {
      case "grpc-issue-click-64" -> issueClick(64);
      case "grpc-issue-click-256" -> issueClick(256);
      case "grpc-record-conversion" -> recordConversion();
      case "edge-click" -> edgeClick();
      case "edge-postback" -> edgePostback();
      case "redis-ops" -> redisOps();
      case "memory" -> memory();
      case "open-loop" -> openLoop();
      case "deliveries" -> deliveries();
      default -> throw new IllegalArgumentException("unknown scenario '" + id + "': expected one of " + ALL);
    };
  }

  // ---- gRPC --------------------------------------------------------------------------------

  /** The efficient generator's unary call: {@code requests} cycled, the API key in every call's headers. */
  private <Q, R> GrpcUnaryOp<Q, R> grpcOp(io.grpc.MethodDescriptor<Q, R> method, List<Q> requests,
      java.util.function.Consumer<R> onResponse) {
    return new GrpcUnaryOp<>(rig.channels, method, requests, rig.apiKeyHeaders(), onResponse);
  }

  /**
   * Clicks as an ad server sends them, in rotation: one campaign, 8 creatives, 12 placements, 50
   * publishers (s1) and 40 sites (s2), 600 combinations. One click repeated left the hour's stats
   * hashes a handful of fields; traffic like this gives them a few hundred, and every click and
   * conversion increments some of them (docs/DEPLOYMENT.md, "Stats hashes").
   */
  private static final int CLICK_VARIANTS = 600;

  /** Click {@code i} of the rotation: what varies between clicks. */
  private record ClickVariant(String creative, String placement, String s1, String s2) {
    static ClickVariant of(int i) {
      return new ClickVariant("banner-" + i % 8, "slot-" + i % 12, "pub" + i % 50, "site-" + i % 40);
    }
  }

  private List<IssueClickRequest> clickRequests;
  private List<String> clickPaths;

  /** The click requests in rotation, built once. */
  private List<IssueClickRequest> clickRequests() {
    if (clickRequests == null) {
      List<IssueClickRequest> requests = new ArrayList<>(CLICK_VARIANTS);
      for (int i = 0; i < CLICK_VARIANTS; i++) {
        ClickVariant v = ClickVariant.of(i);
        requests.add(IssueClickRequest.newBuilder().setAccountId(rig.accountId()).setCampaignId("spring-sale")
            .setCreativeId(v.creative()).setPlacementId(v.placement()).putSubIds("s1", v.s1())
            .putSubIds("s2", v.s2()).setDestinationUrl(DESTINATION).build());
      }
      clickRequests = List.copyOf(requests);
    }
    return clickRequests;
  }

  private CallbackOp issueClickOp() {
    return grpcOp(ClickServiceGrpc.getIssueClickMethod(), clickRequests(), null);
  }

  /** The no-op: grpc.health.v1.Health/Check on the same server, port, channels, executor and headers. */
  private CallbackOp noOp() {
    return grpcOp(HealthGrpc.getCheckMethod(), List.of(HealthCheckRequest.getDefaultInstance()), null);
  }

  /**
   * ghz against the same server: the no-op, then kcid's method, each after a warm-up run of its
   * own, at the scenario's concurrency over 2 connections. {@code warmupRequests} (may be empty: the
   * measured ones) come first so that the measured run starts on requests not sent yet.
   */
  private CrossCheck ghzCrossCheck(String method, String kcidName, List<? extends Message> warmupRequests,
      List<? extends Message> requests, int inFlight, double benchRatio) {
    Duration warm = Duration.ofSeconds(Math.max(1, Math.min(3, settings.warmup().toSeconds())));
    List<Message> noOpRequest = List.of(HealthCheckRequest.getDefaultInstance());
    String health = "grpc.health.v1.Health/Check";
    ghz.run(health, noOpRequest, inFlight, 2, warm);
    String how = "ghz, " + inFlight + " in flight over 2 connections, " + settings.measure().toSeconds() + " s";
    Subject noOp = ghzMeasured("no-op (Health/Check)", "baseline", how, health, noOpRequest, inFlight);
    ghz.run(method, warmupRequests.isEmpty() ? requests : warmupRequests, inFlight, 2, warm);
    Subject kcid = ghzMeasured(kcidName, "kcid", how, method, requests, inFlight);
    return CrossCheck.of("ghz", kcid, noOp, benchRatio);
  }

  /**
   * One measured ghz run; a run that got no answer (a 1 s quick run against a server slower than
   * that on a busy machine) is run again, twice as long, at most twice: ghz cancels what is still
   * in flight when its time is up.
   */
  private Subject ghzMeasured(String name, String role, String how, String method, List<? extends Message> requests,
      int inFlight) {
    Duration duration = settings.measure();
    for (int attempt = 0; ; attempt++) {
      Cpu cpu = new Cpu();
      cpu.begin();
      Run run = ghz.run(method, requests, inFlight, 2, duration);
      cpu.end();
      if (run.ops() > 0 || attempt == 2) {
        return Subject.of(name, role, how, run, cpu.delta(GRPC_PROCESSES));
      }
      duration = duration.multipliedBy(2);
    }
  }

  private Subject noOpSubject(int inFlight, Run run, Cpu cpu) {
    return Subject.of("no-op (Health/Check)", "baseline",
        "grpc.health.v1.Health/Check, closed loop at " + inFlight + " in flight over the same 2 channels to the same server",
        run, cpu.delta(GRPC_PROCESSES));
  }

  private ScenarioResult issueClick(int inFlight) throws Exception {
    Cpu cpu = new Cpu();
    Cpu noOpCpu = new Cpu();
    Run[] runs = alternate(inFlight, issueClickOp(), cpu, () -> false, noOp(), noOpCpu);
    Run run = runs[0];
    Subject baseline = noOpSubject(inFlight, runs[1], noOpCpu);
    if (inFlight == 64) {
      issueClickMax = run.opsPerSecond();
    }
    Subject kcid = Subject.of("IssueClick", "kcid",
        "ClickService/IssueClick (campaign, creative, placement, 2 sub ids in 600 combinations, destination),"
            + " closed loop at " + inFlight + " in flight over 2 channels, API key checked", run, cpu.delta(GRPC_PROCESSES));
    ScenarioResult result = ratio("grpc-issue-click-" + inFlight, "gRPC IssueClick, closed loop at " + inFlight + " in flight",
        kcid, List.of(baseline), 0.6, "ops/s ratio to the no-op", Map.of("redis_commands_per_op", cpu.commandsPerOp(run.ops()),
            "server_warm_up_slices", serverWarmUp));
    return result.withCrossCheck(ghzCrossCheck("kcid.tracking.v1.ClickService/IssueClick", "IssueClick", List.of(),
        clickRequests(), inFlight, result.value()));
  }

  private ScenarioResult recordConversion() throws Exception {
    int inFlight = 64;
    // RecordConversion's code is new to the server after the click scenarios, and at its rate a
    // fixed warm-up left much of the compilers' work inside the measured window: it settles first,
    // in slices of conversions on clicks of their own, as the IssueClick warm-up does.
    AtomicReference<List<RecordConversionRequest>> slicePool = new AtomicReference<>();
    List<String> warmUp = settle(
        () -> slicePool.set(warmingUp(() -> conversionRequests(issueClicks(SETTLE_SLICE_CONVERSIONS), inFlight))),
        () -> warmingUp(() -> ClosedLoop.run(
            grpcOp(ConversionServiceGrpc.getRecordConversionMethod(), slicePool.get(), null),
            inFlight, Duration.ZERO, SETTLE_SLICE, Window.NONE)));
    // New conversions need clicks: issued beforehand through the real RPC, enough for the run at a
    // generous guess of the rate; if they run out the measurement stops early (never reuses them).
    double guess = Math.max(issueClickMax * 1.5, 5000);
    int pool = (int) Math.min(3_000_000,
        guess * (settings.warmup().toSeconds() + settings.measure().toSeconds() + settings.rounds()) * 0.8);
    List<RecordConversionRequest> requests = conversionRequests(issueClicks(pool), inFlight);
    LongAdder accepted = new LongAdder();
    LongAdder duplicates = new LongAdder();
    LongAdder other = new LongAdder();
    GrpcUnaryOp<RecordConversionRequest, RecordConversionResponse> call = grpcOp(ConversionServiceGrpc.getRecordConversionMethod(),
        requests, response -> (response.getOutcome() == Outcome.OUTCOME_ACCEPTED ? accepted
            : response.getOutcome() == Outcome.OUTCOME_DUPLICATE ? duplicates : other).increment());
    // One sequence across the rounds: each request is sent once; the run stops when they run out.
    AtomicLong next = new AtomicLong();
    CallbackOp op = (seq, done) -> call.start(next.getAndIncrement(), done);
    Cpu cpu = new Cpu();
    Cpu noOpCpu = new Cpu();
    Run[] runs = alternate(inFlight, op, cpu, () -> next.get() >= requests.size(), noOp(), noOpCpu);
    Run run = runs[0];
    Subject baseline = noOpSubject(inFlight, runs[1], noOpCpu);
    Subject kcid = Subject.of("RecordConversion", "kcid",
        "ConversionService/RecordConversion (goal, value, currency, txid, postback token), 80% on new clicks and 20%"
            + " repeating a recorded one (answered duplicate), closed loop at 64 in flight", run, cpu.delta(GRPC_PROCESSES));
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("accepted", accepted.sum());
    details.put("duplicate", duplicates.sum());
    details.put("other_outcomes", other.sum());
    details.put("redis_commands_per_op", cpu.commandsPerOp(run.ops()));
    details.put("server_warm_up_slices", warmUp);
    ScenarioResult result = ratio("grpc-record-conversion", "gRPC RecordConversion, 80% new / 20% duplicates, 64 in flight",
        kcid, List.of(baseline), 0.5, "ops/s ratio to the no-op", details);
    // ghz on clicks of its own, as many as its run may take at 1.5 times the bench's rate.
    Duration warm = Duration.ofSeconds(Math.max(1, Math.min(3, settings.warmup().toSeconds())));
    int ghzWarm = (int) Math.max(500, run.opsPerSecond() * 1.5 * warm.toSeconds());
    int ghzMeasured = (int) Math.min(1_500_000, Math.max(1000, run.opsPerSecond() * 1.5 * settings.measure().toSeconds()));
    List<RecordConversionRequest> ghzRequests = conversionRequests(issueClicks(ghzWarm + ghzMeasured), inFlight);
    // In longs: a full run's request count times the warm-up count overflows an int.
    int warmEnd = (int) ((long) ghzRequests.size() * ghzWarm / (ghzWarm + ghzMeasured));
    return result.withCrossCheck(ghzCrossCheck("kcid.tracking.v1.ConversionService/RecordConversion", "RecordConversion",
        ghzRequests.subList(0, warmEnd), ghzRequests.subList(warmEnd, ghzRequests.size()), inFlight, result.value()));
  }

  /**
   * Conversions on {@code kcids}, built before the run: four in five on a new click, every fifth
   * repeating one recorded {@code 2 × inFlight} new ones earlier (beyond what can still be in
   * flight), which the server answers duplicate.
   */
  private List<RecordConversionRequest> conversionRequests(List<String> kcids, int inFlight) {
    PostbackCredentials token = PostbackCredentials.newBuilder().setToken(rig.postbackToken()).build();
    List<RecordConversionRequest> fresh = new ArrayList<>(kcids.size());
    for (String kcid : kcids) {
      fresh.add(RecordConversionRequest.newBuilder().setKcid(kcid).setGoalKey(Rig.GOAL)
          .setValue(Money.newBuilder().setAmount("49.90").setCurrencyCode("EUR")).setTransactionId("order-" + kcid)
          .setCredentials(token).build());
    }
    List<RecordConversionRequest> requests = new ArrayList<>(fresh.size() * 5 / 4 + 1);
    int used = 0;
    for (int i = 0; used < fresh.size(); i++) {
      requests.add(i % 5 == 4 ? fresh.get(Math.max(0, used - 2 * inFlight)) : fresh.get(used++));
    }
    return requests;
  }

  /** Issues {@code n} clicks through IssueClick (256 in flight) and returns their kcids. */
  private List<String> issueClicks(int n) throws InterruptedException {
    return issueClicks(n, rig.accountId());
  }

  /** Issues {@code n} clicks of {@code account} (256 in flight) and returns their kcids. */
  private List<String> issueClicks(int n, String account) throws InterruptedException {
    List<IssueClickRequest> requests = clickRequests().stream()
        .map(r -> r.toBuilder().setAccountId(account).build()).toList();
    String[] kcids = new String[n];
    Semaphore window = new Semaphore(256);
    AtomicLong failures = new AtomicLong();
    for (int i = 0; i < n; i++) {
      window.acquire();
      int index = i;
      future(ClickServiceGrpc.newFutureStub(rig.authorized(i)).withDeadlineAfter(30, TimeUnit.SECONDS)
          .issueClick(requests.get(i % requests.size())))
          .whenComplete((response, failure) -> {
            if (failure == null) {
              kcids[index] = response.getClick().getKcid();
            } else {
              failures.incrementAndGet();
            }
            window.release();
          });
    }
    window.acquire(256);
    // A few calls time out on an overloaded machine; their clicks are simply not used.
    if (failures.get() > n / 2) {
      throw new IllegalStateException(failures.get() + " of " + n + " IssueClick calls failed while preparing clicks");
    }
    return inArrivalOrder(java.util.Arrays.stream(kcids).filter(java.util.Objects::nonNull).toList());
  }

  /**
   * Clicks in the order their conversions arrive: shuffled. A conversion comes hours or days after
   * its click, in no relation to the order clicks were issued in. Issued order flatters the
   * partitioned steps: the server puts a busy moment's new clicks in the partition it wrote to last
   * (RedisClickStore#partitionForNewClick), so conversions sent in that order came in long runs of
   * one partition, and their scripts, outbox reads and delivery finishes batched better than in
   * production. A fixed seed: every run sees the same kind of order.
   */
  static List<String> inArrivalOrder(List<String> kcids) {
    List<String> shuffled = new ArrayList<>(kcids);
    Collections.shuffle(shuffled, new Random(ARRIVAL_ORDER_SEED));
    return List.copyOf(shuffled);
  }

  private ScenarioResult openLoop() throws Exception {
    if (issueClickMax == 0) {
      // Not measured in this invocation (--scenarios): measure the maximum first, as the issue defines the rate.
      issueClickMax = ClosedLoop.run(issueClickOp(), 64, settings.warmup(), settings.measure(), Window.NONE).opsPerSecond();
    }
    double rate = Math.max(1, issueClickMax / 2);
    Cpu baselineCpu = new Cpu();
    Run noOp = OpenLoop.run(noOp(), rate, settings.warmup(), settings.measure(), baselineCpu);
    Cpu cpu = new Cpu();
    Run run = OpenLoop.run(issueClickOp(), rate, settings.warmup(), settings.measure(), cpu);
    Subject kcid = Subject.of("IssueClick at half max", "kcid", String.format(Locale.ROOT,
        "IssueClick at a constant %.0f/s (half the closed-loop maximum at 64 in flight, %.0f/s); latency from each"
            + " call's intended start (no coordinated omission)", rate, issueClickMax), run, cpu.delta(GRPC_PROCESSES));
    Subject baseline = Subject.of("no-op at the same rate", "baseline",
        "Health/Check at the same constant rate, latency measured the same way", noOp, baselineCpu.delta(GRPC_PROCESSES));
    double tail = run.p50Ms() > 0 ? run.p99Ms() / run.p50Ms() : 0;
    // A run that fell behind the rate or failed calls is overloaded, whatever its tail ratio says.
    double sustained = run.ops() / (rate * run.seconds());
    boolean kept = sustained >= 0.98 && !run.failedMoreThanOneInAThousand();
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("rate_per_s", Math.round(rate));
    details.put("closed_loop_max_per_s", Math.round(issueClickMax));
    details.put("share_of_rate_completed", round(sustained));
    return new ScenarioResult("open-loop", "gRPC IssueClick, open loop at half the measured maximum",
        List.of(kcid, baseline), "IssueClick p99 / p50 (the rate kept, ≤ 0.1% errors)", round(tail), "≤ 4",
        kept && tail > 0 && tail <= 4, details);
  }

  // ---- HTTP --------------------------------------------------------------------------------

  /** Signed click URLs in rotation, varied as {@link #clickRequests} (the edge's URL has no s2); built once. */
  private List<String> clickPaths() {
    if (clickPaths == null) {
      List<String> paths = new ArrayList<>(CLICK_VARIANTS);
      for (int i = 0; i < CLICK_VARIANTS; i++) {
        ClickVariant v = ClickVariant.of(i);
        Map<String, String> params = new LinkedHashMap<>();
        params.put("a", rig.accountId());
        params.put("c", "spring-sale");
        params.put("cr", v.creative());
        params.put("p", v.placement());
        params.put("s1", v.s1());
        params.put("u", DESTINATION);
        paths.add(ClickUrlSigner.signedUrl("", params, rig.clickSecret()));
      }
      clickPaths = List.copyOf(paths);
    }
    return clickPaths;
  }

  private Run wrk(int port, List<String> paths, Cpu cpu, String subject, Map<String, Object> warmUps) {
    // A JVM just started on a busy machine may answer nothing within a short warm-up: warm up again
    // (a few times at most) rather than measure a server still starting.
    for (int attempt = 0; attempt < 5; attempt++) {
      if (wrk.run(port, paths, settings.wrkConnections(), settings.wrkThreads(), settings.warmup()).ops() > 0) {
        break;
      }
    }
    warmUps.put(subject, settle(() -> wrk.run(port, paths, settings.wrkConnections(), settings.wrkThreads(), SETTLE_SLICE)));
    cpu.begin();
    Run run = wrk.run(port, paths, settings.wrkConnections(), settings.wrkThreads(), settings.measure());
    cpu.end();
    return run;
  }

  /**
   * Keeps warming up, in slices, until the JIT compilers of the JVMs under test are quiet (under
   * {@link #JIT_QUIET} of the served processes' CPU in a slice), for at most {@link
   * Settings#settleLimit}. A JVM just started spends its first seconds under load compiling (C1,
   * C2), and that counts as its CPU: on a slow machine a fixed warm-up left much of it in the
   * measured window (the http-edge measured 450 µs per click after 5 s of warm-up, 205 after 25).
   *
   * @return per slice, the served processes' CPU µs per operation and the JIT's share of it in %
   */
  private List<String> settle(java.util.function.Supplier<Run> slice) {
    return settle(() -> { }, slice);
  }

  /** As {@link #settle(java.util.function.Supplier)}, with unmeasured work before each slice (its input). */
  private List<String> settle(Runnable prepare, java.util.function.Supplier<Run> slice) {
    return settle(1, Duration.ZERO, prepare, slice);
  }

  /**
   * As {@link #settle(Runnable, java.util.function.Supplier)}, until {@code quietInARow} slices
   * running are quiet, and not before {@code atLeast} (within the settle limit).
   */
  private List<String> settle(int quietInARow, Duration atLeast, Runnable prepare, java.util.function.Supplier<Run> slice) {
    List<String> slices = new ArrayList<>();
    int quiet = 0;
    long start = System.nanoTime();
    long deadline = start + settings.settleLimit().toNanos();
    long earliest = start + Math.min(atLeast.toNanos(), settings.settleLimit().toNanos());
    while (System.nanoTime() < deadline) {
      prepare.run();
      double before = servedCpuSeconds();
      double jitBefore = rig.jitCpuSeconds();
      Run run = slice.get();
      double served = servedCpuSeconds() - before;
      double jitShare = Math.max(0, rig.jitCpuSeconds() - jitBefore) / served;
      slices.add(Math.round(served * 1e6 / Math.max(1, run.ops())) + " µs (JIT " + Math.round(jitShare * 100) + "%)");
      quiet = run.ops() > 0 && jitShare < JIT_QUIET ? quiet + 1 : 0;
      if (quiet >= quietInARow && System.nanoTime() >= earliest) {
        break;
      }
    }
    return slices;
  }

  /** One step of a warm-up slice, which may be interrupted. */
  @FunctionalInterface
  private interface WarmUpStep<T> {
    T run() throws InterruptedException;
  }

  /** A warm-up step run inside {@link #settle}, whose slices cannot throw InterruptedException. */
  private static <T> T warmingUp(WarmUpStep<T> step) {
    try {
      return step.run();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while warming up", e);
    }
  }

  /** CPU seconds so far of every process but the load generator's. */
  private double servedCpuSeconds() {
    double sum = 0;
    for (Map.Entry<String, Double> e : rig.cpu().entrySet()) {
      if (!e.getKey().startsWith("load-generator") && !Double.isNaN(e.getValue())) {
        sum += e.getValue();
      }
    }
    return sum;
  }

  private ScenarioResult edgeClick() {
    rig.startEdges();
    rig.startNginx();
    List<String> paths = clickPaths();
    Map<String, Object> warmUps = new LinkedHashMap<>();
    Cpu nginxCpu = new Cpu();
    Run nginx = wrk(rig.nginx.port(), paths, nginxCpu, "nginx return 302", warmUps);
    Cpu instantCpu = new Cpu();
    Run instant = wrk(rig.instantEdgePort, paths, instantCpu, "edge, instant backend", warmUps);
    Cpu cpu = new Cpu();
    Run edge = wrk(rig.edgePort, paths, cpu, "edge /c", warmUps);
    String how = "wrk, " + settings.wrkConnections() + " connections, " + settings.wrkThreads() + " threads";
    return ratio("edge-click", "edge click redirect GET /c (signed), " + how,
        Subject.of("edge /c", "kcid", "GET /c with signed URLs (creative, placement, s1 in 600 combinations) through"
            + " http-edge → tracking-server → Redis; each request a new click, answered 302", edge,
            cpu.delta(List.of("load-generator", "http-edge", "tracking-server", "redis"))),
        List.of(
            Subject.of("nginx return 302", "baseline", "nginx-light, `return 302 https://example.com/`, same URLs", nginx,
                nginxCpu.delta(List.of("load-generator", "nginx"))),
            Subject.of("edge, instant backend", "baseline", "the same http-edge code whose backend is an in-process service"
                + " answering at once: the edge's own 302, no network call, no server, no Redis", instant,
                instantCpu.delta(List.of("load-generator", "instant-backend-edge")))),
        0.3, "ops/s ratio to nginx", Map.of(WARM_UP_DETAIL, warmUps));
  }

  private ScenarioResult edgePostback() throws InterruptedException {
    rig.startEdges();
    rig.startNginx();
    // Distinct clicks, stored beforehand through the real store; wrk cycles through their postbacks.
    // Past the end of the list the same postbacks repeat and are answered duplicate.
    int pool = (int) Math.min(400_000,
        6000.0 * (settings.warmup().toSeconds() * 2 + settings.settleLimit().toSeconds() + settings.measure().toSeconds()));
    List<String> kcids = storeClicks(pool);
    String token = URLEncoder.encode(rig.postbackToken(), StandardCharsets.UTF_8);
    List<String> paths = new ArrayList<>(kcids.size());
    for (String k : kcids) {
      paths.add("/postback?kcid=" + k + "&goal=" + Rig.GOAL + "&value=49.90&currency=EUR&txid=order-" + k + "&token=" + token);
    }
    Map<String, Object> warmUps = new LinkedHashMap<>();
    Cpu nginxCpu = new Cpu();
    Run nginx = wrk(rig.nginx.port(), paths, nginxCpu, "nginx return 302", warmUps);
    Cpu instantCpu = new Cpu();
    Run instant = wrk(rig.instantEdgePort, paths, instantCpu, "edge, instant backend", warmUps);
    Map<String, Long> before = rig.redisInfo.commandCalls();
    Cpu cpu = new Cpu();
    Run edge = wrk(rig.edgePort, paths, cpu, "edge /postback", warmUps);
    Map<String, Object> details = new LinkedHashMap<>();
    details.put(WARM_UP_DETAIL, warmUps);
    details.put("distinct_clicks", kcids.size());
    details.put("redis_commands_per_op_incl_warmup", RedisInfo.perOp(before, rig.redisInfo.commandCalls(), edge.ops()));
    String how = "wrk, " + settings.wrkConnections() + " connections, " + settings.wrkThreads() + " threads";
    return ratio("edge-postback", "edge postback GET /postback (token), " + how,
        Subject.of("edge /postback", "kcid", "GET /postback (kcid, goal, value, currency, txid, token) through http-edge →"
            + " RecordConversion → Redis, cycling through " + kcids.size() + " stored clicks (new conversions first,"
            + " duplicates once the cycle repeats; warm-up included)", edge,
            cpu.delta(List.of("load-generator", "http-edge", "tracking-server", "redis"))),
        List.of(
            Subject.of("nginx return 302", "baseline", "nginx-light `return 302`, same request paths", nginx,
                nginxCpu.delta(List.of("load-generator", "nginx"))),
            Subject.of("edge, instant backend", "baseline", "http-edge with an in-process backend answering \"accepted\" at once",
                instant, instantCpu.delta(List.of("load-generator", "instant-backend-edge")))),
        0.2, "ops/s ratio to nginx", details);
  }

  // ---- Redis -------------------------------------------------------------------------------

  /**
   * A click as the server stores one arriving through the edge (IP, user agent, sub ids), read back
   * from the store; fetched once. Retried: on a loaded machine the edge may answer 503 for a while.
   */
  private Click templateClick(ClickStore store) throws Exception {
    if (template != null) {
      return template;
    }
    rig.startEdges();
    HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + rig.edgePort + clickPaths().get(0)))
        .header("User-Agent", "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko)"
            + " Chrome/131.0.0.0 Mobile Safari/537.36")
        .header("Accept-Language", "de-DE,de;q=0.9").timeout(Duration.ofSeconds(10)).build();
    int status = 0;
    for (int attempt = 0; attempt < 20; attempt++) {
      HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
      status = response.statusCode();
      var location = response.headers().firstValue("Location");
      if (status == 302 && location.isPresent()) {
        String kcid = location.get().substring(location.get().indexOf("kcid=") + 5);
        template = store.find(codec.decode(kcid)).toCompletableFuture().get(10, TimeUnit.SECONDS)
            .map(StoredClick::click)
            .orElseThrow(() -> new IllegalStateException("the template click is not in the store"));
        return template;
      }
      Thread.sleep(500);
    }
    throw new IllegalStateException("the edge answered " + status + " to every try of the template click");
  }

  private Duration ttl(Click click) {
    Duration ttl = Duration.between(Instant.now(), Instant.ofEpochSecond(click.getExpireTime().getSeconds()));
    return ttl.isNegative() || ttl.isZero() ? Duration.ofDays(30) : ttl;
  }

  /** Op {@code seq} stores the template under a fresh kcid, through the server's own store class. */
  private AsyncOp insertOp(ClickStore store, Click template, List<String> minted) {
    Duration ttl = ttl(template);
    return seq -> {
      Instant now = Instant.now();
      String kcid = codec.mintRandomPartition(now);
      DecodedKcid decoded = codec.decode(kcid);
      Click click = template.toBuilder().setKcid(kcid).setPartition(decoded.partition())
          .setClickTime(Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()))
          .build();
      return store.insert(decoded, rig.accountId(), click, ttl).thenApply(inserted -> {
        if (minted != null) {
          minted.add(kcid);
        }
        return inserted;
      });
    };
  }

  private List<String> storeClicks(int n) throws InterruptedException {
    try (RedisConnector connector = RedisConnector.connect(rig.redisUrl(), Duration.ofSeconds(5), 100_000)) {
      ClickStore store = new RedisClickStore(connector.commands());
      List<String> minted = Collections.synchronizedList(new ArrayList<>(n));
      runCount(insertOp(store, templateClick(store), minted), n, 256);
      return inArrivalOrder(minted);
    } catch (InterruptedException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("could not store clicks: " + e.getMessage(), e);
    }
  }

  /** Seconds taken by a fixed number of operations, and how many of them failed. */
  private record Counted(double seconds, long failures) {}

  /**
   * Exactly {@code n} operations, {@code inFlight} at a time. A few may fail on an overloaded
   * machine (store timeouts); more than half failing is a broken scenario.
   */
  private static Counted runCount(AsyncOp op, long n, int inFlight) throws InterruptedException {
    Semaphore window = new Semaphore(inFlight);
    AtomicLong failures = new AtomicLong();
    long t0 = System.nanoTime();
    for (long i = 0; i < n; i++) {
      window.acquire();
      op.start(i).whenComplete((r, e) -> {
        if (e != null) {
          failures.incrementAndGet();
        }
        window.release();
      });
    }
    window.acquire(inFlight);
    if (failures.get() > n / 2) {
      throw new IllegalStateException(failures.get() + " of " + n + " operations failed");
    }
    return new Counted((System.nanoTime() - t0) / 1e9, failures.get());
  }

  private ScenarioResult redisOps() throws Exception {
    int inFlight = 64;
    try (RedisConnector connector = RedisConnector.connect(rig.redisUrl(), Duration.ofSeconds(5), 100_000)) {
      ClickStore store = new RedisClickStore(connector.commands());
      Click template = templateClick(store);
      List<String> processes = List.of("load-generator", "redis");
      Cpu pingCpu = new Cpu();
      Cpu cpu = new Cpu();
      Run[] runs = alternate(inFlight, CallbackOp.of(insertOp(store, template, null)), cpu, () -> false,
          CallbackOp.of(seq -> connector.commands().ping()), pingCpu);
      Run insert = runs[0];
      Run ping = runs[1];
      Map<String, Object> details = new LinkedHashMap<>();
      details.put("redis_commands_per_click", cpu.commandsPerOp(insert.ops()));
      details.put("stored_click_value_bytes", template.getSerializedSize() + " (protobuf, before the account and campaign prefix)");
      return ratio("redis-ops", "Redis work of one click, driven through the server's store class (RedisClickStore.insert)",
          Subject.of("ClickStore.insert", "kcid", "RedisClickStore.insert of a click read back from one issued through the"
              + " edge, under fresh kcids: exactly the commands IssueClick sends, " + inFlight + " in flight on one Lettuce"
              + " connection", insert, cpu.delta(processes)),
          List.of(Subject.of("PING", "baseline", "PING on the same Lettuce connection, " + inFlight + " in flight: the"
              + " round trip and Redis' per-command floor", ping, pingCpu.delta(processes))),
          Double.NaN, "ops/s ratio to PING", details);
    }
  }

  private ScenarioResult memory() throws Exception {
    try (RedisConnector connector = RedisConnector.connect(rig.redisUrl(), Duration.ofSeconds(5), 100_000)) {
      ClickStore store = new RedisClickStore(connector.commands());
      Click template = templateClick(store);
      long memory0 = settledMemory();
      long keys0 = rig.redisInfo.keys();
      List<String> minted = Collections.synchronizedList(new ArrayList<>(settings.memoryClicks()));
      Cpu clickCpu = new Cpu();
      clickCpu.begin();
      Counted inserted = runCount(insertOp(store, template, minted), settings.memoryClicks(), 256);
      long stored = settings.memoryClicks() - inserted.failures();
      clickCpu.end();
      long memory1 = settledMemory();
      long keys1 = rig.redisInfo.keys();
      // Conversions on the first of those clicks, through the RPC: everything a conversion stores.
      int conversions = Math.min(settings.memoryConversions(), minted.size());
      PostbackCredentials token = PostbackCredentials.newBuilder().setToken(rig.postbackToken()).build();
      Map<Outcome, Long> outcomes = new ConcurrentHashMap<>();
      Cpu conversionCpu = new Cpu();
      conversionCpu.begin();
      Counted converted = runCount(seq -> {
        String kcid = minted.get((int) seq);
        return future(ConversionServiceGrpc.newFutureStub(rig.authorized(seq)).withDeadlineAfter(30, TimeUnit.SECONDS)
            .recordConversion(RecordConversionRequest.newBuilder().setKcid(kcid).setGoalKey(Rig.GOAL)
                .setValue(Money.newBuilder().setAmount("49.90").setCurrencyCode("EUR")).setTransactionId("order-" + kcid)
                .setCredentials(token).build()))
            .thenApply(r -> outcomes.merge(r.getOutcome(), 1L, Long::sum));
      }, conversions, 64);
      conversionCpu.end();
      long memory2 = settledMemory();
      long accepted = outcomes.getOrDefault(Outcome.OUTCOME_ACCEPTED, 0L);
      // A timed-out insert may still have been stored; on a machine loaded enough for timeouts the
      // figure is then slightly high, never low.
      long clicksStored = stored;
      double perClick = (memory1 - memory0) / (double) clicksStored;
      double perConversion = accepted > 0 ? (memory2 - memory1) / (double) accepted : 0;
      Map<String, Object> details = new LinkedHashMap<>();
      details.put("clicks_stored", clicksStored);
      details.put("used_memory_delta_clicks", memory1 - memory0);
      details.put("keys_added_by_clicks", keys1 - keys0);
      details.put("bytes_per_click", round(perClick));
      details.put("conversions_accepted", accepted);
      details.put("used_memory_delta_conversions", memory2 - memory1);
      details.put("bytes_per_conversion", round(perConversion));
      Run clicks = new Run(stored, inserted.seconds(), inserted.failures(), 0, 0, 0, 0);
      Run recorded = new Run(accepted, converted.seconds(), conversions - accepted, 0, 0, 0, 0);
      return new ScenarioResult("memory", "Redis used_memory per stored click and per conversion",
          List.of(
              Subject.of("click inserts", "kcid", "ClickStore.insert of " + settings.memoryClicks() + " clicks, 256 in flight"
                  + " (ops/s only; latency not measured)", clicks, clickCpu.delta(List.of("load-generator", "redis"))),
              Subject.of("conversions", "kcid", "RecordConversion on " + conversions + " of those clicks, 64 in flight"
                  + " (ops/s only)", recorded, conversionCpu.delta(GRPC_PROCESSES))),
          "bytes of Redis memory per stored click", round(perClick), "≤ 90", perClick <= 90, details);
    }
  }

  /**
   * {@link #storedMemory} once no AOF rewrite is running ({@link RedisInfo#rewriting}: a reading
   * during one stood 12.6 MB high; at most a minute's wait) and the allocator has settled (lazy
   * frees). Full runs still read more per click than the scenario alone (77.7 against 62.2–62.7):
   * not found yet; a doubling of the keyspace's hash table during the inserts, whose size earlier
   * scenarios decide, is a candidate.
   */
  private long settledMemory() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
    while (rig.redisInfo.rewriting() && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    Thread.sleep(750);
    return storedMemory(); // 250 ms more: a second in all, as before
  }

  /** Stored memory (RedisInfo#storedMemory) once Redis has refreshed its clients' buffer figures. */
  private long storedMemory() throws InterruptedException {
    Thread.sleep(250);
    return rig.redisInfo.storedMemory();
  }

  // ---- outbound deliveries -----------------------------------------------------------------

  /**
   * Share of the closed loop's throughput with delivery at which both halves are recorded again
   * for the headline: busy, with room to spare, the same work per second on both sides.
   */
  private static final double EQUAL_RATE_SHARE = 0.6;
  /**
   * The least warm-up at that rate (within the settle limit): methods the delivery path calls once
   * per pass or batch reach C2 only after minutes of deliveries, each such compile took 0.1–0.45 s
   * of CPU, and behind a warm-up quiet for two slices they still landed in measured windows.
   */
  private static final Duration RATE_WARM_UP = Duration.ofSeconds(60);

  /**
   * What sending conversions onward costs: the same number of new conversions recorded on an
   * account without a destination, then on one with a postback destination (nginx answering 200),
   * CPU measured from the first call until the last delivery left the queue. Twice: first in a
   * closed loop at 64 in flight (what the machine sustains: deliveries per second end to end, the
   * drain time), then both halves again at one constant rate, {@link #EQUAL_RATE_SHARE} of the
   * closed loop's rate with delivery, in --rounds alternating pairs. The headline, CPU per
   * conversion of the tracking-server and Redis with delivery over without (target ≤ 1.2), is the
   * median of those pairs' ratios; all pairs together and the closed loop's ratio are reported
   * beside it. In the closed loop the half without delivery runs much faster, and at a higher rate
   * every script call, read and wake-up serves more conversions (CPU per conversion without
   * delivery was 234 µs at 5,800/s and 423–504 µs at 2,500/s on this machine), so that ratio
   * charges the delivery with the baseline's batching as well.
   */
  private ScenarioResult deliveries() throws Exception {
    rig.startNginx();
    String account = "bench-deliveries";
    var admin = AdminServiceGrpc.newBlockingStub(rig.authorized(0)).withDeadlineAfter(10, TimeUnit.SECONDS);
    CreateAccountResponse created = admin.createAccount(
        CreateAccountRequest.newBuilder().setAccountId(account).setDisplayName("Bench deliveries").build());
    admin.createGoal(CreateGoalRequest.newBuilder().setAccountId(account).setGoalKey(Rig.GOAL).build());
    String sink = "http://127.0.0.1:" + rig.nginx.port() + "/sink?kcid={kcid}&value={value}&id={delivery_id}";
    DeliveryServiceGrpc.newBlockingStub(rig.authorized(0)).withDeadlineAfter(10, TimeUnit.SECONDS)
        .createDestination(CreateDestinationRequest.newBuilder().setAccountId(account).setDestinationId("sink")
            .setKind(DestinationKind.DESTINATION_KIND_POSTBACK).setUrl(sink).build());
    int n = (int) Math.max(2_000, Math.min(40_000, settings.measure().toSeconds() * 1_500));
    PostbackCredentials plainToken = PostbackCredentials.newBuilder().setToken(rig.postbackToken()).build();
    PostbackCredentials sinkToken = PostbackCredentials.newBuilder().setToken(created.getSecrets().getPostbackToken()).build();
    List<RecordConversionRequest> plain = newConversions(issueClicks(n), plainToken);
    List<RecordConversionRequest> delivered = newConversions(issueClicks(n, account), sinkToken);
    // A moment for the destination to reach the server's cache (KCID_ACCOUNT_CACHE_MS, 1 s).
    Thread.sleep(1500);
    // Warm both paths first (run alone, this scenario would otherwise compare a cold baseline, or
    // a cold delivery path, with warm code): a third as many conversions of each, not measured;
    // then, as every other subject, on in slices of both until the JIT compilers are quiet. The
    // delivery path is new code to the server (its HTTP client, the claim and finish scripts'
    // callers): after the fixed warm-up alone, C2 still took a third of the server's CPU.
    recordAll(newConversions(issueClicks(n / 3), plainToken), new Cpu(), () -> { }, null);
    recordAll(newConversions(issueClicks(n / 3, account), sinkToken), new Cpu(),
        () -> awaitDeliveriesDrained(Duration.ofMinutes(3)), null);
    int slice = Math.max(1_000, n / 5);
    List<String> warmUp = settleBoth(slice, plainToken, sinkToken, account, null, 1, Duration.ZERO);
    // What a delivery leaves in Redis for the log retention (its job, attempts and log index entry),
    // beyond what the conversion itself stores: the growth of used_memory net of client and AOF
    // buffers over each window (right after a burst they held up to 20 MB, and once made the
    // figure negative). Redis refreshes its figure of those buffers every 100 ms, hence a short
    // pause before each reading; the same pause before each measured window, so an idle server
    // favours neither (settledMemory's full second made the first conversions after it dearer).
    long memory0 = storedMemory();
    Cpu without = new Cpu();
    Run plainRun = recordAll(plain, without, () -> {}, null);
    long memory1 = storedMemory();
    Cpu with = new Cpu();
    long[] drainMs = new long[1];
    Run deliveredRun = recordAll(delivered, with, () -> drainMs[0] = awaitDeliveriesDrained(Duration.ofMinutes(3)), null);
    long memory2 = storedMemory();
    long memoryWithout = memory1 - memory0;
    long memoryWith = memory2 - memory1;
    List<String> processes = List.of("load-generator", Rig.GENERATOR_THREADS, "tracking-server", "redis", "nginx");
    Subject.Cost withCost = with.delta(processes);
    Subject.Cost withoutCost = without.delta(processes);
    double closedWith = serverAndRedis(withCost) / deliveredRun.ops();
    double closedWithout = serverAndRedis(withoutCost) / plainRun.ops();

    // The same again at one constant rate, on conversions of their own, warmed at that rate first
    // (a slower stream takes other paths: smaller reads and finish batches) for RATE_WARM_UP at
    // least and until the compilers are quiet in two slices running (one quiet slice was often
    // luck); the median of the rounds, because a late C2 compile of a big method still lands in
    // one window now and then.
    double rate = Math.max(100, Math.floor(EQUAL_RATE_SHARE * deliveredRun.ops() / deliveredRun.seconds()));
    List<String> rateWarmUp = settleBoth(slice, plainToken, sinkToken, account, rate, 2, RATE_WARM_UP);
    Cpu withoutAtRate = new Cpu();
    Cpu withAtRate = new Cpu();
    /** One round's halves: their runs, CPU windows and compiler seconds. */
    record Round(Run plain, Run delivered, Cpu without, Cpu with, double jitWithout, double jitWith) {}
    List<Round> rounds = new ArrayList<>();
    long[] drainAtRateMs = new long[1];
    // Redis rewrites its AOF in a forked child each time the file doubled: a core for seconds, in
    // whichever window the threshold happens to be crossed (click issuing between the windows
    // appends too). That CPU is charged to each window by the AOF bytes it appended, at the rate
    // the rewrites cost over all the rounds (their span, issuing included) -- the rewrites' cost
    // per byte the writes made them redo, not the luck of where one fell.
    double spanRewrite = rig.redisRewriteCpuSeconds();
    long spanAof = rig.redisAofBytes();
    for (int r = 0; r < settings.rounds(); r++) {
      List<RecordConversionRequest> plainAtRate = newConversions(issueClicks(n), plainToken);
      List<RecordConversionRequest> deliveredAtRate = newConversions(issueClicks(n, account), sinkToken);
      Cpu roundWithout = new Cpu();
      Cpu roundWith = new Cpu();
      Run p = null;
      Run d = null;
      double jitWithout = 0;
      double jitWith = 0;
      for (int turn = 0; turn < 2; turn++) {
        double jitBefore = rig.jitCpuSeconds();
        if ((turn == 1) == (r % 2 == 0)) {
          d = recordAll(deliveredAtRate, roundWith,
              () -> drainAtRateMs[0] = Math.max(drainAtRateMs[0], awaitDeliveriesDrained(Duration.ofMinutes(3))), rate);
          jitWith = Math.max(0, rig.jitCpuSeconds() - jitBefore);
        } else {
          p = recordAll(plainAtRate, roundWithout, () -> { }, rate);
          jitWithout = Math.max(0, rig.jitCpuSeconds() - jitBefore);
        }
      }
      withoutAtRate.add(roundWithout);
      withAtRate.add(roundWith);
      rounds.add(new Round(p, d, roundWithout, roundWith, jitWithout, jitWith));
    }
    long spanAofBytes = spanAof < 0 ? -1 : rig.redisAofBytes() - spanAof;
    // CPU seconds per AOF byte; NaN (rewrite CPU left where it fell) when the kernel does not say.
    double rewritePerByte = spanAofBytes > 0 ? (rig.redisRewriteCpuSeconds() - spanRewrite) / spanAofBytes : Double.NaN;
    List<Double> roundRatios = new ArrayList<>();
    List<String> roundJit = new ArrayList<>();
    List<Double> roundRatiosLessJit = new ArrayList<>();
    List<Double> roundRatiosRewritesWhereTheyFell = new ArrayList<>();
    // A round where either half had calls fail (beyond 0.1%) measured the failure path (timeouts,
    // the compiles of their code, CPU divided among fewer calls), not what a conversion costs: it
    // is left out of the median, and the target needs most rounds clean.
    List<Double> cleanRatios = new ArrayList<>();
    List<Integer> roundsWithFailedCalls = new ArrayList<>();
    for (int r = 0; r < rounds.size(); r++) {
      Round round = rounds.get(r);
      long pOps = round.plain().ops();
      long dOps = round.delivered().ops();
      double servedWithout = servedAmortized(round.without(), processes, rewritePerByte);
      double served = servedAmortized(round.with(), processes, rewritePerByte);
      double roundRatio = round(ratio(served / dOps, servedWithout / pOps));
      roundRatios.add(roundRatio);
      if (round.plain().failedMoreThanOneInAThousand() || round.delivered().failedMoreThanOneInAThousand()) {
        roundsWithFailedCalls.add(r + 1);
      } else {
        cleanRatios.add(roundRatio);
      }
      roundRatiosRewritesWhereTheyFell.add(round(ratio(servedAmortized(round.with(), processes, Double.NaN) / dOps,
          servedAmortized(round.without(), processes, Double.NaN) / pOps)));
      roundJit.add(Math.round(round.jitWithout() * 1e6 / pOps) + " / " + Math.round(round.jitWith() * 1e6 / dOps) + " µs");
      // A diagnostic, not the target: the same ratio with the compiler threads' CPU taken out of
      // both halves (their threads come and go, so this is approximate).
      roundRatiosLessJit.add(round(ratio((served - round.jitWith()) / dOps, (servedWithout - round.jitWithout()) / pOps)));
    }
    Run plainRated = Run.merge(rounds.stream().map(Round::plain).toList());
    Run deliveredRated = Run.merge(rounds.stream().map(Round::delivered).toList());
    Subject.Cost withRatedCost = withAtRate.delta(processes);
    Subject.Cost withoutRatedCost = withoutAtRate.delta(processes);
    double perWith = servedAmortized(withAtRate, processes, rewritePerByte) / deliveredRated.ops();
    double perWithout = servedAmortized(withoutAtRate, processes, rewritePerByte) / plainRated.ops();
    boolean mostlyClean = cleanRatios.size() * 2 > settings.rounds();
    double value = median(mostlyClean ? cleanRatios : roundRatios);
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("conversions_each", n);
    details.put("rate_per_second", rate);
    details.put("ratio_by_round", roundRatios);
    details.put("rounds_with_failed_calls", roundsWithFailedCalls);
    details.put("failed_calls_without_with", List.of(plainRated.errors(), deliveredRated.errors()));
    details.put("jit_cpu_us_per_conversion_by_round_without_with", roundJit);
    details.put("ratio_by_round_without_jit_cpu", roundRatiosLessJit);
    details.put("ratio_by_round_rewrite_cpu_where_it_fell", roundRatiosRewritesWhereTheyFell);
    details.put("aof_rewrite_cpu_us_per_appended_mb", Double.isNaN(rewritePerByte) ? "unknown" : round(rewritePerByte * 1e12));
    details.put("aof_rewrite_cpu_s_in_windows_without_with", List.of(round(withoutAtRate.rewriteCpu), round(withAtRate.rewriteCpu)));
    details.put("aof_bytes_per_conversion_without_with", List.of(round((double) withoutAtRate.aofBytes / plainRated.ops()),
        round((double) withAtRate.aofBytes / deliveredRated.ops())));
    details.put("ratio_of_all_rounds_together", round(ratio(perWith, perWithout)));
    details.put("server_and_redis_cpu_us_per_conversion_without", round(perWithout * 1e6));
    details.put("server_and_redis_cpu_us_per_conversion_with_delivery", round(perWith * 1e6));
    details.put("drain_after_last_conversion_at_rate_ms", drainAtRateMs[0]);
    details.put("closed_loop_ratio", round(ratio(closedWith, closedWithout)));
    details.put("closed_loop_server_and_redis_cpu_us_per_conversion_without", round(closedWithout * 1e6));
    details.put("closed_loop_server_and_redis_cpu_us_per_conversion_with_delivery", round(closedWith * 1e6));
    details.put("deliveries_per_second_end_to_end", round(deliveredRun.ops() / deliveredRun.seconds()));
    details.put("drain_after_last_conversion_ms", drainMs[0]);
    details.put(WARM_UP_DETAIL, warmUp);
    details.put("warm_up_slices_at_rate", rateWarmUp);
    details.put("redis_bytes_per_delivery", round((double) (memoryWith - memoryWithout) / n));
    details.put("nginx_cpu_us_per_delivery", round(withCost.cpuSeconds().getOrDefault("nginx", 0.0) * 1e6 / deliveredRun.ops()));
    details.put("redis_commands_per_conversion_with_delivery", withAtRate.commandsPerOp(deliveredRated.ops()));
    details.put("redis_commands_per_conversion_without", withoutAtRate.commandsPerOp(plainRated.ops()));
    String atRate = String.format(Locale.ROOT, "%,.0f/s", rate);
    return new ScenarioResult("deliveries",
        "Conversions sent onward: CPU per conversion with a postback destination over without, at the same rate",
        List.of(
            Subject.of("RecordConversion + postback delivery, " + atRate, "kcid", settings.rounds() + " × " + n
                + " new conversions at a constant "
                + atRate + " (" + Math.round(EQUAL_RATE_SHARE * 100) + "% of the closed loop's rate with delivery), each"
                + " delivered to nginx (200) by the server's delivery workers; time and CPU until the queue is empty",
                deliveredRated, withRatedCost),
            Subject.of("RecordConversion, no destination, " + atRate, "baseline",
                settings.rounds() + " × " + n + " new conversions at a constant " + atRate + ", rounds alternating with the above",
                plainRated, withoutRatedCost),
            Subject.of("RecordConversion + postback delivery, closed loop", "kcid", n + " new conversions, 64 in flight,"
                + " each delivered to nginx (200); time and CPU until the queue is empty", deliveredRun, withCost),
            Subject.of("RecordConversion, no destination, closed loop", "kcid", n + " new conversions, 64 in flight",
                plainRun, withoutCost)),
        "CPU per conversion (tracking-server + redis), with delivery / without, at the same rate (median of the"
            + " rounds without failed calls; most must be)",
        round(value), "≤ 1.2",
        mostlyClean && value <= 1.2, details);
  }

  /**
   * Warms both halves in slices of {@code slice} conversions each, at {@code rate} (null: closed
   * loop), until the compilers are quiet in {@code quietInARow} slices running, and not before {@code atLeast}.
   */
  private List<String> settleBoth(int slice, PostbackCredentials plainToken, PostbackCredentials sinkToken,
      String account, Double rate, int quietInARow, Duration atLeast) {
    List<List<RecordConversionRequest>> next = new ArrayList<>();
    return settle(quietInARow, atLeast,
        () -> {
          next.clear();
          next.add(warmingUp(() -> newConversions(issueClicks(slice), plainToken)));
          next.add(warmingUp(() -> newConversions(issueClicks(slice, account), sinkToken)));
        },
        () -> warmingUp(() -> {
          Run a = recordAll(next.get(0), new Cpu(), () -> { }, rate);
          Run b = recordAll(next.get(1), new Cpu(), () -> awaitDeliveriesDrained(Duration.ofMinutes(3)), rate);
          return new Run(a.ops() + b.ops(), a.seconds() + b.seconds(), 0, 0, 0, 0, 0);
        }));
  }

  /** The middle value (the mean of the two middle ones for an even count); 0 for none. */
  static double median(List<Double> values) {
    if (values.isEmpty()) {
      return 0;
    }
    List<Double> sorted = values.stream().sorted().toList();
    int mid = sorted.size() / 2;
    return sorted.size() % 2 == 1 ? sorted.get(mid) : (sorted.get(mid - 1) + sorted.get(mid)) / 2;
  }

  /** {@code with / without}; 0 when there is nothing to divide by. */
  private static double ratio(double with, double without) {
    return without > 0 ? with / without : 0;
  }

  /**
   * tracking-server + Redis CPU seconds of the window with the AOF rewrites' CPU charged by the
   * bytes it appended ({@code rewritePerByte}) instead of as it fell (NaN: as it fell).
   */
  private static double servedAmortized(Cpu window, List<String> processes, double rewritePerByte) {
    double served = serverAndRedis(window.delta(processes));
    return Double.isNaN(rewritePerByte) || window.aofBytes < 0
        ? served
        : served - window.rewriteCpu + rewritePerByte * window.aofBytes;
  }

  private static double serverAndRedis(Subject.Cost cost) {
    return cost.cpuSeconds().getOrDefault("tracking-server", 0.0) + cost.cpuSeconds().getOrDefault("redis", 0.0);
  }

  /**
   * Each request once (at a constant {@code rate}, all but the last 2%, which the open loop's
   * timing may need as spare; null: 64 in flight); {@code after} runs inside the measured window
   * once all are answered.
   */
  private Run recordAll(List<RecordConversionRequest> requests, Cpu cpu, Runnable after, Double rate)
      throws InterruptedException {
    AtomicLong next = new AtomicLong();
    GrpcUnaryOp<RecordConversionRequest, RecordConversionResponse> call =
        grpcOp(ConversionServiceGrpc.getRecordConversionMethod(), requests, null);
    CallbackOp op = (seq, done) -> call.start(next.getAndIncrement(), done);
    long start = System.nanoTime();
    cpu.begin();
    Run run = rate == null
        ? ClosedLoop.run(op, 64, Duration.ZERO, Duration.ofMinutes(10), Window.NONE, () -> next.get() >= requests.size())
        : OpenLoop.run(op, rate, Duration.ZERO, Duration.ofNanos((long) (requests.size() * 0.98 / rate * 1e9)), Window.NONE);
    after.run();
    cpu.end();
    double seconds = (System.nanoTime() - start) / 1e9;
    return new Run(run.ops(), seconds, run.errors(), run.p50Ms(), run.p99Ms(), run.p999Ms(), run.maxMs(), run.errorKinds(),
        run.latencyNanos());
  }

  /** Waits until every partition's outbox and delivery queue are empty; returns how long that took. */
  private long awaitDeliveriesDrained(Duration timeout) {
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    try (var client = io.lettuce.core.RedisClient.create(rig.redisUrl()); var connection = client.connect()) {
      var redis = connection.sync();
      while (System.nanoTime() < deadline) {
        long left = 0;
        for (int p = 0; p < rig.partitions; p++) {
          left += redis.xlen("kc:{" + p + "}:o") + redis.zcard("kc:{" + p + "}:dq");
        }
        if (left == 0) {
          return (System.nanoTime() - start) / 1_000_000;
        }
        Thread.sleep(20);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    throw new IllegalStateException("deliveries not drained within " + timeout);
  }

  /** One new conversion per kcid (no duplicates). */
  private static List<RecordConversionRequest> newConversions(List<String> kcids, PostbackCredentials token) {
    return kcids.stream().map(kcid -> RecordConversionRequest.newBuilder().setKcid(kcid).setGoalKey(Rig.GOAL)
        .setValue(Money.newBuilder().setAmount("49.90").setCurrencyCode("EUR")).setTransactionId("order-" + kcid)
        .setCredentials(token).build()).toList();
  }

  // ---- helpers -----------------------------------------------------------------------------

  private static ScenarioResult ratio(String id, String title, Subject kcid, List<Subject> baselines, double target,
      String metric, Map<String, Object> details) {
    List<Subject> subjects = new ArrayList<>();
    subjects.add(kcid);
    subjects.addAll(baselines);
    double value = baselines.get(0).opsPerSecond() > 0 ? kcid.opsPerSecond() / baselines.get(0).opsPerSecond() : 0;
    boolean hasTarget = !Double.isNaN(target);
    return new ScenarioResult(id, title, subjects, metric, round(value),
        hasTarget ? "≥ " + target : null, hasTarget ? value >= target : null, details);
  }

  private static double round(double value) {
    return Math.round(value * 1000) / 1000.0;
  }

  private static <T> CompletableFuture<T> future(ListenableFuture<T> listenable) {
    CompletableFuture<T> future = new CompletableFuture<>();
    listenable.addListener(() -> {
      try {
        future.complete(listenable.get());
      } catch (ExecutionException e) {
        future.completeExceptionally(e.getCause());
      } catch (InterruptedException | RuntimeException e) {
        future.completeExceptionally(e);
      }
    }, MoreExecutors.directExecutor());
    return future;
  }

  private static String loadAverage1m() {
    try {
      return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ")[0];
    } catch (java.io.IOException e) {
      return "?";
    }
  }

  /** CPU of every process and Redis' command counts at the edges of a measured interval. */
  private final class Cpu implements Window {
    private Map<String, Double> before;
    private double wrkBefore;
    private Map<String, Long> commandsBefore;
    private final Map<String, Double> total = new LinkedHashMap<>();
    private double wrkTotal;
    private final Map<String, Long> commandsTotal = new java.util.TreeMap<>();
    private String loadFirst;
    private String loadLast;
    private double rewriteBefore;
    private long aofBefore;
    /** CPU seconds of Redis' AOF-rewrite children over the intervals (inside "redis" too). */
    private double rewriteCpu;
    /** Bytes Redis appended to its AOF over the intervals; negative when the kernel does not say. */
    private long aofBytes;

    @Override
    public void begin() {
      commandsBefore = rig.redisInfo.commandCalls();
      wrkBefore = ProcStat.reapedChildrenCpuSeconds();
      rewriteBefore = rig.redisRewriteCpuSeconds();
      aofBefore = rig.redisAofBytes();
      before = rig.cpu();
      if (loadFirst == null) {
        loadFirst = loadAverage1m();
      }
    }

    /** Adds this interval to the totals: a subject measured in several rounds sums them. */
    @Override
    public void end() {
      Map<String, Double> after = rig.cpu();
      after.forEach((p, seconds) -> {
        double d = seconds - before.getOrDefault(p, Double.NaN);
        if (!Double.isNaN(d)) {
          total.merge(p, d, Double::sum);
        }
      });
      wrkTotal += ProcStat.reapedChildrenCpuSeconds() - wrkBefore;
      rewriteCpu += rig.redisRewriteCpuSeconds() - rewriteBefore;
      long aof = rig.redisAofBytes();
      aofBytes = aof < 0 || aofBefore < 0 || aofBytes < 0 ? -1 : aofBytes + aof - aofBefore;
      rig.redisInfo.commandCalls().forEach((c, calls) -> commandsTotal.merge(c, calls - commandsBefore.getOrDefault(c, 0L), Long::sum));
      loadLast = loadAverage1m();
    }

    /**
     * CPU seconds per process over the intervals; for HTTP runs the load generator is wrk, for the
     * cross-checks ghz (an exited child of this JVM), else this JVM.
     */
    Subject.Cost delta(List<String> processes) {
      Map<String, Double> delta = new LinkedHashMap<>();
      for (String p : processes) {
        if (total.containsKey(p)) {
          delta.put(p, total.get(p));
        }
      }
      if (wrkTotal > 0) {
        delta.put("load-generator", wrkTotal);
        delta.remove(Rig.GENERATOR_THREADS);
      }
      return new Subject.Cost(delta, loadFirst + " → " + loadLast);
    }

    Map<String, Double> commandsPerOp(long ops) {
      return RedisInfo.perOp(Map.of(), commandsTotal, ops);
    }

    /** Adds another window's totals to these: one subject's rounds measured one by one. */
    void add(Cpu round) {
      round.total.forEach((p, seconds) -> total.merge(p, seconds, Double::sum));
      wrkTotal += round.wrkTotal;
      rewriteCpu += round.rewriteCpu;
      aofBytes = aofBytes < 0 || round.aofBytes < 0 ? -1 : aofBytes + round.aofBytes;
      round.commandsTotal.forEach((c, calls) -> commandsTotal.merge(c, calls, Long::sum));
      if (loadFirst == null) {
        loadFirst = round.loadFirst;
      }
      loadLast = round.loadLast;
    }
  }
}
