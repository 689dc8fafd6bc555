package io.kcid.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.google.protobuf.Timestamp;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.kcid.core.KcidException;
import io.kcid.core.kcid.DecodedKcid;
import io.kcid.core.kcid.KcidCodec;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.Conversion;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.CountingMode;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.Delivery;
import io.kcid.proto.tracking.v1.DeliveryAttempt;
import io.kcid.proto.tracking.v1.DeliveryState;
import io.kcid.proto.tracking.v1.DeliveryTrigger;
import io.kcid.proto.tracking.v1.Destination;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.DestinationKind;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.ListDeliveriesRequest;
import io.kcid.proto.tracking.v1.ListDeliveriesResponse;
import io.kcid.proto.tracking.v1.Money;
import io.kcid.proto.tracking.v1.Outcome;
import io.kcid.proto.tracking.v1.PostbackCredentials;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.proto.tracking.v1.RecordConversionResponse;
import io.kcid.proto.tracking.v1.RedeliverRequest;
import io.kcid.proto.tracking.v1.RedeliverResponse;
import io.kcid.proto.tracking.v1.UpdateConversionStatusRequest;
import io.kcid.server.TrackingServer;
import io.kcid.server.account.AccountDirectory;
import io.kcid.server.config.DeliveryConfig;
import io.kcid.server.conversion.StatusTransitions;
import io.kcid.server.store.ClaimBudgets;
import io.kcid.server.store.DeliveryJob;
import io.kcid.server.store.DeliveryQueue;
import io.kcid.server.store.OutboxEntry;
import io.kcid.server.store.RecordCommand;
import io.kcid.server.store.RecordResult;
import io.kcid.server.store.StoredClick;
import io.kcid.server.store.redis.RedisAccountStore;
import io.kcid.server.store.redis.RedisClickStore;
import io.kcid.server.store.redis.RedisConnector;
import io.kcid.server.store.redis.RedisConversionStore;
import io.kcid.server.store.redis.RedisDeliveryQueue;
import io.kcid.server.store.redis.RedisDeliveryQueueAccess;
import io.kcid.server.store.redis.RedisKeys;
import io.kcid.server.store.redis.testing.TestRedis;
import io.kcid.server.store.redis.testing.Topology;
import io.kcid.server.testing.TestServers;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The outbox, the job queue, the workers and the delivery log on real Redis (one node and a
 * 3-primary Cluster), with conversions recorded over real gRPC by a server that runs no workers:
 * the tests drive dispatchers and workers themselves, with a clock they move forward.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(value = Topology.class, names = {"STANDALONE", "CLUSTER"})
class DeliveryQueueTest {
  private static final int PARTITIONS = 16;

  @Parameter Topology topology;

  private static TestRedis redis;
  private static TrackingServer server;
  private static ManagedChannel channel;
  private static ClickServiceGrpc.ClickServiceBlockingStub clicks;
  private static ConversionServiceGrpc.ConversionServiceBlockingStub conversions;
  private static AdminServiceGrpc.AdminServiceBlockingStub admin;
  private static RedisConnector connector;
  private static RedisDeliveryQueue queue;
  private static RedisConversionStore conversionStore;
  private static OutboundEvents events;
  private static DeliveryLogService log;
  private static final FixedDirectory directory = new FixedDirectory();
  private static final KcidCodec codec = new KcidCodec(TestServers.KEYS, PARTITIONS);
  private static final ShiftedClock clock = new ShiftedClock();

  @BeforeParameterizedClassInvocation
  static void start(Topology topology) {
    redis = topology.start();
    DeliveryConfig noWorkers = new DeliveryConfig(false, DeliveryConfig.DEFAULT_MAX_AGE, List.of(),
        DeliveryConfig.DEFAULT_CONNECT_TIMEOUT, DeliveryConfig.DEFAULT_REQUEST_TIMEOUT,
        DeliveryConfig.DEFAULT_CONCURRENCY, DeliveryConfig.DEFAULT_LOG_RETENTION, DeliveryConfig.DEFAULT_CIRCUIT_OPEN_AFTER);
    server = TrackingServer.start(TestServers.builder(redis.url()).delivery(noWorkers).build(),
        new DeliveryParts(directory, null));
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    clicks = ClickServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    conversions = ConversionServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    admin = AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    connector = RedisConnector.connect(redis.url(), Duration.ofSeconds(2), 10_000);
    queue = new RedisDeliveryQueue(connector.commands(), connector.oneNode());
    conversionStore = new RedisConversionStore(connector.commands(), 10_000);
    events = new OutboundEvents(codec, conversionStore, new RedisClickStore(connector.commands()),
        new AccountDirectory(new RedisAccountStore(connector.commands()), clock, Duration.ZERO),
        RecentEvents.systemClock(), clock);
    log = new DeliveryLogService(queue, PARTITIONS, clock);
    join(queue.createGroups(PARTITIONS));
  }

  @AfterParameterizedClassInvocation
  static void stop() {
    channel.shutdownNow();
    connector.close();
    server.close();
    redis.close();
  }

  private static <T> T join(java.util.concurrent.CompletionStage<T> stage) {
    return stage.toCompletableFuture().join();
  }

  private static CreateAccountResponse account() {
    return admin.createAccount(CreateAccountRequest.getDefaultInstance());
  }

  private static String click(CreateAccountResponse account) {
    return clicks.issueClick(IssueClickRequest.newBuilder()
        .setAccountId(account.getAccount().getAccountId()).setCampaignId("camp").build()).getClick().getKcid();
  }

  private static RecordConversionResponse postback(CreateAccountResponse account, String kcid, String requestId) {
    return conversions.recordConversion(RecordConversionRequest.newBuilder().setKcid(kcid).setRequestId(requestId)
        .setCredentials(PostbackCredentials.newBuilder().setToken(account.getSecrets().getPostbackToken()))
        .build());
  }

  private static Destination destination(String account, String id) {
    return Destination.newBuilder().setAccountId(account).setDestinationId(id)
        .setKind(DestinationKind.DESTINATION_KIND_POSTBACK).setUrl("http://127.0.0.1:1/pb?id={delivery_id}").build();
  }

  /** The account's outbox entries still in the streams, by trigger number. */
  private static List<String> outbox(String account) {
    List<String> triggers = new ArrayList<>();
    for (int p = 0; p < PARTITIONS; p++) {
      for (StreamMessage<byte[], byte[]> m : join(connector.commands().xrange(RedisKeys.outbox(p), Range.create("-", "+")))) {
        java.util.Map<String, String> f = new java.util.HashMap<>();
        m.getBody().forEach((k, v) -> f.put(new String(k, StandardCharsets.UTF_8), new String(v, StandardCharsets.UTF_8)));
        if (account.equals(f.get("a"))) {
          triggers.add(f.get("t"));
        }
      }
    }
    return triggers;
  }

  private static DeliveryDispatcher dispatcher(DeliveryQueue q, String consumer) {
    return new DeliveryDispatcher(q, directory, consumer, clock, Duration.ofDays(10), 256, Duration.ZERO);
  }

  private static int dispatchAll(DeliveryDispatcher d) {
    int n = 0;
    for (int p = 0; p < PARTITIONS; p++) {
      n += join(d.dispatch(p, true, null));
    }
    return n;
  }

  private static DeliveryWorker worker(RecordingSender sender, Duration maxAge) {
    return worker(queue, sender, maxAge);
  }

  private static DeliveryWorker worker(DeliveryQueue q, RecordingSender sender, Duration maxAge) {
    return worker(q, sender, maxAge, new CircuitBreaker(Duration.ofHours(6), clock));
  }

  private static DeliveryWorker worker(RecordingSender sender, Duration maxAge, CircuitBreaker breaker) {
    return worker(queue, sender, maxAge, breaker);
  }

  private static DeliveryWorker worker(DeliveryQueue q, RecordingSender sender, Duration maxAge, CircuitBreaker breaker) {
    return new DeliveryWorker(q, directory, events, sender, new DestinationLimiter(4, System::nanoTime),
        breaker, new RetrySchedule(maxAge, new SplittableRandom(7)),
        Duration.ofSeconds(20), Duration.ofHours(1), clock, DeliveryListener.NONE, 512);
  }

  /**
   * One pass of a worker over every partition, waiting until what it claimed is settled. It wakes
   * waiting jobs while it waits, as the delivery loop does on every pass: a permit freed between a
   * job's refusal and its parking would otherwise leave it parked until the next pass.
   */
  private static int pass(DeliveryWorker w) {
    int claimed = 0;
    for (int p = 0; p < PARTITIONS; p++) {
      claimed += join(w.deliverDue(p));
    }
    awaitTrue(() -> {
      w.retryWaiting();
      return w.inFlight() == 0;
    });
    return claimed;
  }

  /** Claims every partition's due jobs, every 20 ms, until {@code done} or 45 s have passed. */
  private static void claimUntil(DeliveryWorker w, BooleanSupplier done) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(45);
    while (!done.getAsBoolean() && System.nanoTime() < deadline) {
      for (int p = 0; p < PARTITIONS; p++) {
        join(w.deliverDue(p));
      }
      sleep(20);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  private static void awaitTrue(BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("condition within 20 s").isLessThan(deadline);
      sleep(10);
    }
  }

  private static List<Delivery> deliveries(String account) {
    ListDeliveriesResponse page = join(log.list(ListDeliveriesRequest.newBuilder().setAccountId(account).build()));
    return page.getDeliveriesList();
  }

  @Test
  void aBusyLoopGathersTheWritesOfSeveralMillisecondsIntoOnePass() {
    var a = account();
    String id = a.getAccount().getAccountId();
    directory.put(id, destination(id, "gathered"));
    List<String> kcids = new ArrayList<>();
    for (int i = 0; i < 150; i++) {
      kcids.add(click(a));
    }
    RecordingSender sender = new RecordingSender();
    DeliveryWorkers loop = new DeliveryWorkers(queue, dispatcher(queue, "gathering"), worker(sender, Duration.ofHours(1)),
        PARTITIONS, DeliveryWorkers.POLL).start();
    try {
      long start = System.nanoTime();
      // One postback after another, each waking the loop for its partition as the recorder does.
      for (int i = 0; i < kcids.size(); i++) {
        assertThat(postback(a, kcids.get(i), "gather-" + i).getOutcome()).isEqualTo(Outcome.OUTCOME_ACCEPTED);
        loop.wake(codec.decode(kcids.get(i)).partition());
      }
      awaitTrue(() -> sender.to("gathered").size() >= kcids.size());
      long elapsed = System.nanoTime() - start;

      assertThat(sender.to("gathered")).hasSize(kcids.size());
      // A pass that dispatched anything was busy, and busy passes start at least GATHER apart:
      // never a pass per postback (each wake-up would otherwise start one).
      assertThat(loop.dispatchingPasses()).isBetween(1L, elapsed / DeliveryWorkers.GATHER.toNanos() + 1);
    } finally {
      loop.close();
    }
  }

  @Test
  void anAcknowledgedEventHasExactlyOneOutboxEntry() {
    var a = account();
    String id = a.getAccount().getAccountId();
    directory.put(id, destination(id, "pb"));
    String kcid = click(a);
    RecordConversionResponse first = postback(a, kcid, "req-1");
    assertThat(first.getOutcome()).isEqualTo(Outcome.OUTCOME_ACCEPTED);
    assertThat(outbox(id)).containsExactly("1");

    // A retried request id and a duplicate add nothing.
    assertThat(postback(a, kcid, "req-1").getRepeatedRequest()).isTrue();
    assertThat(postback(a, kcid, "req-2").getOutcome()).isEqualTo(Outcome.OUTCOME_DUPLICATE);
    assertThat(outbox(id)).containsExactly("1");

    // A status change adds one (trigger = rejected), its retry none.
    UpdateConversionStatusRequest reject = UpdateConversionStatusRequest.newBuilder()
        .setConversionId(first.getConversionId()).setStatus(ConversionStatus.CONVERSION_STATUS_REJECTED)
        .setReason("fraud").setRequestId("upd-1").build();
    conversions.updateConversionStatus(reject);
    conversions.updateConversionStatus(reject);
    assertThat(outbox(id)).containsExactlyInAnyOrder("1", "4");

    // A postback moving a known transaction: recorded pending, then approved.
    String other = click(a);
    RecordConversionRequest.Builder tx = RecordConversionRequest.newBuilder().setKcid(other).setTransactionId("T-1")
        .setCredentials(PostbackCredentials.newBuilder().setToken(a.getSecrets().getPostbackToken()));
    assertThat(conversions.recordConversion(tx.setStatus(ConversionStatus.CONVERSION_STATUS_PENDING).setRequestId("t1").build())
        .getOutcome()).isEqualTo(Outcome.OUTCOME_ACCEPTED);
    conversions.recordConversion(tx.setStatus(ConversionStatus.CONVERSION_STATUS_APPROVED).setRequestId("t2").build());
    conversions.recordConversion(tx.setStatus(ConversionStatus.CONVERSION_STATUS_APPROVED).setRequestId("t2").build());
    assertThat(outbox(id)).containsExactlyInAnyOrder("1", "4", "1", "3");

    // A dry run (the replay preview) writes nothing, whatever the flag says.
    DecodedKcid third = codec.decode(click(a));
    RecordCommand dry = new RecordCommand(third, id, "default", CountingMode.COUNTING_MODE_ONCE_PER_CLICK, "", "", "",
        Conversion.newBuilder().setAccountId(id).build().toByteArray(),
        Money.getDefaultInstance(), ConversionStatus.CONVERSION_STATUS_UNSPECIFIED,
        ConversionStatus.CONVERSION_STATUS_APPROVED,
        StatusTransitions.sourcesOf(ConversionStatus.CONVERSION_STATUS_UNSPECIFIED), List.of(), false, Instant.now(),
        Duration.ofHours(1), Duration.ofHours(2), Instant.now(), 0).withOutbox(true);
    assertThat(join(conversionStore.evaluate(dry)).code()).isEqualTo(RecordResult.Code.ACCEPTED);
    assertThat(outbox(id)).hasSize(4);

    // An account without destinations writes no entry.
    var b = account();
    assertThat(postback(b, click(b), "req-b").getOutcome()).isEqualTo(Outcome.OUTCOME_ACCEPTED);
    assertThat(outbox(b.getAccount().getAccountId())).isEmpty();
  }

  @Test
  void onlyANewConversionsFirstAttemptTakesTheEventHandedOverAndOnlyWhileItIsFresh() {
    var a = account();
    String id = a.getAccount().getAccountId();
    String kcid = click(a);
    RecordConversionResponse recorded = postback(a, kcid, "handoff");
    assertThat(recorded.getOutcome()).isEqualTo(Outcome.OUTCOME_ACCEPTED);
    Instant created = clock.instant();
    java.util.function.BiFunction<DeliveryTrigger, Integer, DeliveryJob> job = (trigger, attempts) -> new DeliveryJob(
        "d-1", codec.decode(kcid).partition(), id, "a:" + id, "pb", recorded.getConversionId(), kcid, "purchase",
        trigger, ConversionStatus.CONVERSION_STATUS_APPROVED, DeliveryState.DELIVERY_STATE_PENDING, attempts,
        created, created, created, "1-0", false);
    OutboundEvent read = join(events.of(job.apply(DeliveryTrigger.DELIVERY_TRIGGER_RECORDED, 0))).orElseThrow();
    assertThat(read.conversion().getConversionId()).isEqualTo(recorded.getConversionId());
    assertThat(read.click().getCampaignId()).isEqualTo("camp");

    // What the recorder handed over is marked, so the event shows which one a job took.
    long[] now = {0};
    RecentEvents recent = new RecentEvents(() -> now[0]);
    OutboundEvents handing = new OutboundEvents(codec, conversionStore, new RedisClickStore(connector.commands()),
        new AccountDirectory(new RedisAccountStore(connector.commands()), clock, Duration.ZERO), recent, clock);
    Conversion marked = read.conversion().toBuilder().setTransactionId("handed-over").build();
    recent.put(marked, new StoredClick(id, read.click().toBuilder().setCampaignId("handed-over").build()));

    OutboundEvent first = join(handing.of(job.apply(DeliveryTrigger.DELIVERY_TRIGGER_RECORDED, 0))).orElseThrow();
    assertThat(first.conversion()).isEqualTo(marked);
    assertThat(first.click().getCampaignId()).isEqualTo("handed-over");
    assertThat(first.partnerId()).isEqualTo(read.partnerId());
    // A retry, and a status change's event, read what is stored now.
    assertThat(join(handing.of(job.apply(DeliveryTrigger.DELIVERY_TRIGGER_RECORDED, 1)))).contains(read);
    assertThat(join(handing.of(job.apply(DeliveryTrigger.DELIVERY_TRIGGER_APPROVED, 0))).orElseThrow().conversion())
        .isEqualTo(read.conversion());
    // A handed-over click that has expired since is no click, as a read would answer.
    recent.put(marked, new StoredClick(id, read.click().toBuilder()
        .setExpireTime(Timestamp.newBuilder().setSeconds(clock.instant().getEpochSecond())).build()));
    OutboundEvent expired = join(handing.of(job.apply(DeliveryTrigger.DELIVERY_TRIGGER_RECORDED, 0))).orElseThrow();
    assertThat(expired.conversion()).isEqualTo(marked);
    assertThat(expired.click()).isNull();
    // Past RecentEvents.KEEP the first attempt reads too; and an erased click's events are forgotten.
    now[0] = RecentEvents.KEEP.toNanos() + 1;
    assertThat(join(handing.of(job.apply(DeliveryTrigger.DELIVERY_TRIGGER_RECORDED, 0)))).contains(read);
    now[0] = 0;
    recent.forgetClick(kcid);
    assertThat(join(handing.of(job.apply(DeliveryTrigger.DELIVERY_TRIGGER_RECORDED, 0)))).contains(read);
  }

  @Test
  @SuppressWarnings("unchecked")
  void aPassAddsTheJobsOfEveryPartitionItReadToTheLogInOneStep() {
    var a = account();
    String id = a.getAccount().getAccountId();
    directory.put(id, destination(id, "logged"));
    for (int i = 0; i < 12; i++) {
      assertThat(postback(a, click(a), "logged-" + i).getOutcome()).isEqualTo(Outcome.OUTCOME_ACCEPTED);
    }
    List<List<DeliveryJob>> logWrites = new java.util.concurrent.CopyOnWriteArrayList<>();
    DeliveryQueue counting = (DeliveryQueue) Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {DeliveryQueue.class}, (proxy, method, args) -> {
          if (method.getName().equals("index")) {
            logWrites.add((List<DeliveryJob>) args[0]);
          }
          return method.invoke(queue, args);
        });
    DeliveryDispatcher d = dispatcher(counting, "logger-" + topology);
    List<DeliveryDispatcher.Read> reads = new ArrayList<>();
    for (int p = 0; p < PARTITIONS; p++) {
      reads.add(join(d.read(p, false)));
    }
    // Twelve clicks land on several of the 16 partitions (all on one: odds of 16^-11).
    assertThat(reads).filteredOn(r -> r.jobs().stream().anyMatch(j -> j.accountId().equals(id)))
        .hasSizeGreaterThan(1);

    join(d.index(reads));
    for (DeliveryDispatcher.Read r : reads) {
      join(d.commit(r, null));
    }
    assertThat(logWrites).hasSize(1);
    assertThat(logWrites.get(0)).filteredOn(j -> j.accountId().equals(id)).hasSize(12);
    assertThat(deliveries(id)).hasSize(12)
        .allSatisfy(dl -> assertThat(dl.getState()).isEqualTo(DeliveryState.DELIVERY_STATE_PENDING));
    assertThat(outbox(id)).isEmpty();
  }

  @Test
  void redispatchAfterACrashCreatesTheSameJobsOnce() {
    var a = account();
    String id = a.getAccount().getAccountId();
    Destination all = destination(id, "all");
    Destination otherGoal = destination(id, "signup-only").toBuilder().addGoalKeys("signup").build();
    Destination approvals = destination(id, "approvals").toBuilder()
        .addTriggers(DeliveryTrigger.DELIVERY_TRIGGER_APPROVED).build();
    Destination recorded = destination(id, "recorded").toBuilder()
        .addTriggers(DeliveryTrigger.DELIVERY_TRIGGER_RECORDED).build();
    directory.put(id, all, otherGoal, approvals, recorded);
    String kcid = click(a);
    assertThat(postback(a, kcid, "r").getOutcome()).isEqualTo(Outcome.OUTCOME_ACCEPTED);

    // The first dispatcher creates the jobs and dies before acknowledging the entry.
    DeliveryQueue noAck = (DeliveryQueue) Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {DeliveryQueue.class}, (proxy, method, args) -> method.getName().equals("acknowledge")
            ? CompletableFuture.failedFuture(new IllegalStateException("killed"))
            : method.invoke(queue, args));
    DeliveryDispatcher dying = dispatcher(noAck, "dying");
    for (int p = 0; p < PARTITIONS; p++) {
      try {
        join(dying.dispatch(p, true, null));
      } catch (RuntimeException expected) {
        // the acknowledgement failed: the entry stays pending for "dying"
      }
    }
    List<Delivery> created = deliveries(id);
    assertThat(created).extracting(Delivery::getDestinationId).containsExactlyInAnyOrder("all", "recorded");
    assertThat(outbox(id)).hasSize(1);

    // Another takes the entry over: same delivery ids, nothing new, the entry is gone.
    assertThat(dispatchAll(dispatcher(queue, "survivor"))).isPositive();
    List<Delivery> after = deliveries(id);
    assertThat(after).extracting(Delivery::getDeliveryId)
        .containsExactlyInAnyOrderElementsOf(created.stream().map(Delivery::getDeliveryId).toList());
    assertThat(outbox(id)).isEmpty();
    assertThat(after).allSatisfy(d -> {
      assertThat(d.getState()).isEqualTo(DeliveryState.DELIVERY_STATE_PENDING);
      assertThat(d.getKcid()).isEqualTo(kcid);
      assertThat(d.getTrigger()).isEqualTo(DeliveryTrigger.DELIVERY_TRIGGER_RECORDED);
      assertThat(d.getDeliveryId()).matches("dlv_[a-z2-7]{26}");
    });
  }

  /** Dispatches every partition's new entries with {@code claimer} (no takeover), as the delivery loop does. */
  private static void dispatchStartingWith(DeliveryDispatcher d, DeliveryWorker claimer) {
    for (int p = 0; p < PARTITIONS; p++) {
      join(d.dispatch(p, false, claimer));
    }
  }

  /** The account's jobs as stored, by log index entry (a job taken straight from its entry is not, until settled). */
  private static List<java.util.Optional<DeliveryJob>> storedJobs(String account) {
    return join(queue.logPage(account, 0, 100)).stream().map(r -> join(queue.job(r.partition(), r.deliveryId()))).toList();
  }

  private static long pendingInGroup() {
    long n = 0;
    for (int p = 0; p < PARTITIONS; p++) {
      n += join(connector.commands().xpending(RedisKeys.outbox(p), DeliveryQueue.GROUP.getBytes(StandardCharsets.UTF_8)))
          .getCount();
    }
    return n;
  }

  @Test
  void aNewEntrysOnlyJobIsSentStraightFromItAndStoredWithItsOutcomeInTheStepThatAcknowledgesIt() {
    var a = account();
    String id = a.getAccount().getAccountId();
    directory.put(id, destination(id, "pb"));
    // A lease well inside the takeover time: the dispatching worker may send jobs straight away.
    DeliveryDispatcher d = new DeliveryDispatcher(queue, directory, "direct-" + topology, clock, Duration.ofDays(10),
        256, DeliveryDispatcher.STALE);
    RecordingSender sender = new RecordingSender();
    DeliveryWorker w = worker(sender, Duration.ofDays(1));
    sender.hold("pb");
    long pendingBefore = pendingInGroup();
    long pendingJobsBefore = join(queue.pending(PARTITIONS));
    for (int i = 0; i < 3; i++) {
      assertThat(postback(a, click(a), "direct-" + i).getOutcome()).isEqualTo(Outcome.OUTCOME_ACCEPTED);
    }
    dispatchStartingWith(d, w);

    // Under way: in the log index, not stored as jobs; the entries pending, in the consumer group.
    awaitTrue(() -> w.inFlight() == 3);
    assertThat(storedJobs(id)).hasSize(3).allSatisfy(j -> assertThat(j).isEmpty());
    assertThat(outbox(id)).hasSize(3);
    assertThat(pendingInGroup() - pendingBefore).isEqualTo(3);
    assertThat(join(queue.pending(PARTITIONS)) - pendingJobsBefore).isEqualTo(3);

    // Answered: each job stored delivered with its attempt, and its entry acknowledged and gone.
    sender.release("pb");
    awaitTrue(() -> w.inFlight() == 0);
    assertThat(deliveries(id)).hasSize(3).allSatisfy(dl -> {
      assertThat(dl.getState()).isEqualTo(DeliveryState.DELIVERY_STATE_DELIVERED);
      assertThat(dl.getAttemptsList()).hasSize(1);
      assertThat(dl.getAttempts(0).getStatusCode()).isEqualTo(200);
      assertThat(dl.getTrigger()).isEqualTo(DeliveryTrigger.DELIVERY_TRIGGER_RECORDED);
      assertThat(dl.getDestinationId()).isEqualTo("pb");
      assertThat(dl.getConversionId()).startsWith(dl.getKcid() + "-");
    });
    assertThat(sender.to("pb").stream().map(OutboundMessage::deliveryId).toList())
        .containsExactlyInAnyOrderElementsOf(deliveries(id).stream().map(Delivery::getDeliveryId).toList());
    assertThat(outbox(id)).isEmpty();
    assertThat(pendingInGroup()).isEqualTo(pendingBefore);

    // A first attempt that fails is stored pending, with its attempt, and retried as any job.
    sender.answer("pb", 500);
    postback(a, click(a), "direct-failing");
    dispatchStartingWith(d, w);
    awaitTrue(() -> w.inFlight() == 0);
    assertThat(outbox(id)).isEmpty();
    Delivery failed = deliveries(id).stream().filter(dl -> dl.getState() == DeliveryState.DELIVERY_STATE_PENDING)
        .findFirst().orElseThrow();
    assertThat(failed.getAttemptsList()).extracting(DeliveryAttempt::getStatusCode).containsExactly(500);
    sender.answer("pb", 200);
    clock.advance(Duration.ofHours(1));
    assertThat(pass(w)).isEqualTo(1);
    Delivery retried = deliveries(id).stream().filter(dl -> dl.getDeliveryId().equals(failed.getDeliveryId()))
        .findFirst().orElseThrow();
    assertThat(retried.getState()).isEqualTo(DeliveryState.DELIVERY_STATE_DELIVERED);
    assertThat(retried.getAttemptsList()).extracting(DeliveryAttempt::getStatusCode).containsExactly(500, 200);

    // A worker that never settles leaves its entry pending: it is taken over and dispatched again
    // as a stored job, under the same delivery id.
    sender.hold("pb");
    postback(a, click(a), "direct-dying");
    dispatchStartingWith(d, w);
    awaitTrue(() -> w.inFlight() == 1);
    List<String> before = join(queue.logPage(id, 0, 100)).stream().map(DeliveryQueue.LogRef::deliveryId).toList();
    assertThat(dispatchAll(dispatcher(queue, "survivor-" + topology))).isEqualTo(1);
    List<Delivery> now = deliveries(id);
    assertThat(now).hasSize(5);
    Delivery takenOver = now.stream().filter(dl -> dl.getState() == DeliveryState.DELIVERY_STATE_PENDING)
        .findFirst().orElseThrow();
    assertThat(before).contains(takenOver.getDeliveryId());
    assertThat(outbox(id)).isEmpty();
    // The first worker answers after all: the stored job is settled, nothing is created twice.
    sender.release("pb");
    awaitTrue(() -> w.inFlight() == 0);
    assertThat(deliveries(id)).hasSize(5).filteredOn(dl -> dl.getDeliveryId().equals(takenOver.getDeliveryId()))
        .singleElement().satisfies(dl -> assertThat(dl.getState()).isEqualTo(DeliveryState.DELIVERY_STATE_DELIVERED));

    // An entry with two jobs is stored whole before either is sent.
    directory.put(id, destination(id, "pb"), destination(id, "second"));
    sender.hold("pb");
    sender.hold("second");
    postback(a, click(a), "two-jobs");
    dispatchStartingWith(d, w);
    awaitTrue(() -> w.inFlight() == 2);
    assertThat(storedJobs(id)).hasSize(7).allSatisfy(j -> assertThat(j).isPresent());
    assertThat(outbox(id)).isEmpty();
    sender.release("pb");
    sender.release("second");
    awaitTrue(() -> w.inFlight() == 0);
    assertThat(deliveries(id)).hasSize(7)
        .allSatisfy(dl -> assertThat(dl.getState()).isEqualTo(DeliveryState.DELIVERY_STATE_DELIVERED));
  }

  @Test
  void directJobsWaitingHalfTheLeaseForAPermitAreStoredToTheirQueueAndCountedPendingMeanwhile() {
    var a = account();
    String id = a.getAccount().getAccountId();
    directory.put(id, destination(id, "one-at-a-time").toBuilder().setMaxConcurrency(1).build());
    DeliveryDispatcher d = new DeliveryDispatcher(queue, directory, "waiting-" + topology, clock, Duration.ofDays(10),
        256, DeliveryDispatcher.STALE);
    RecordingSender sender = new RecordingSender();
    DeliveryWorker w = worker(sender, Duration.ofDays(1));
    sender.hold("one-at-a-time");
    long pendingBefore = join(queue.pending(PARTITIONS));
    for (int i = 0; i < 3; i++) {
      postback(a, click(a), "waiting-" + i);
    }
    dispatchStartingWith(d, w);
    awaitTrue(() -> w.inFlight() == 3);
    // One on the wire, two waiting for the permit: none stored, all three counted pending.
    assertThat(storedJobs(id)).hasSize(3).allSatisfy(j -> assertThat(j).isEmpty());
    assertThat(join(queue.pending(PARTITIONS)) - pendingBefore).isEqualTo(3);
    w.retryWaiting();
    assertThat(storedJobs(id)).allSatisfy(j -> assertThat(j).isEmpty());

    // Half the lease (20 s) later the two waiting ones go back to the queue, stored, entries gone.
    clock.advance(Duration.ofSeconds(11));
    w.retryWaiting();
    awaitTrue(() -> w.inFlight() == 1);
    assertThat(storedJobs(id)).filteredOn(java.util.Optional::isPresent).hasSize(2)
        .allSatisfy(j -> assertThat(j.get().state()).isEqualTo(DeliveryState.DELIVERY_STATE_PENDING));
    assertThat(outbox(id)).hasSize(1);
    assertThat(join(queue.pending(PARTITIONS)) - pendingBefore).isEqualTo(3);

    // The one on the wire is answered; the two stored ones are claimed and delivered as any job.
    sender.release("one-at-a-time");
    awaitTrue(() -> w.inFlight() == 0);
    assertThat(outbox(id)).isEmpty();
    clock.advance(Duration.ofSeconds(2));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (deliveries(id).stream().anyMatch(dl -> dl.getState() != DeliveryState.DELIVERY_STATE_DELIVERED)
        && System.nanoTime() < deadline) {
      pass(w);
      w.retryWaiting();
    }
    assertThat(deliveries(id)).hasSize(3)
        .allSatisfy(dl -> assertThat(dl.getState()).isEqualTo(DeliveryState.DELIVERY_STATE_DELIVERED));
    assertThat(sender.to("one-at-a-time").stream().map(OutboundMessage::deliveryId).distinct()).hasSize(3);
    assertThat(join(queue.pending(PARTITIONS))).isEqualTo(pendingBefore);
  }

  @Test
  void twoWorkersDeliverEveryJobWithDuplicatesOnlyUnderTheSameId() throws Exception {
    var a = account();
    String id = a.getAccount().getAccountId();
    directory.put(id, destination(id, "sink").toBuilder().setMaxConcurrency(8).build());
    int n = 40;
    for (int i = 0; i < n; i++) {
      assertThat(postback(a, click(a), "r" + i).getOutcome()).isEqualTo(Outcome.OUTCOME_ACCEPTED);
    }
    dispatchAll(dispatcher(queue, "d"));
    Set<String> ids = new HashSet<>();
    deliveries(id).forEach(d -> ids.add(d.getDeliveryId()));
    assertThat(ids).hasSize(n);

    RecordingSender sender = new RecordingSender();
    sender.maxDelay(20);
    DeliveryWorker first = worker(sender, Duration.ofDays(1));
    DeliveryWorker second = worker(sender, Duration.ofDays(1));
    // Both run until every job is delivered: a job one worker's limiter turned away is postponed
    // (at least DeliveryWorker.MIN_WAIT), so a fixed number of passes could end before it is due.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(45);
    var one = CompletableFuture.runAsync(() -> {
      while (!allDelivered(id, n) && System.nanoTime() < deadline) {
        pass(first);
      }
    });
    var two = CompletableFuture.runAsync(() -> {
      while (!allDelivered(id, n) && System.nanoTime() < deadline) {
        pass(second);
      }
    });
    CompletableFuture.allOf(one, two).get(60, TimeUnit.SECONDS);
    awaitTrue(() -> allDelivered(id, n));
    List<String> sentIds = sender.to("sink").stream().map(OutboundMessage::deliveryId).toList();
    assertThat(new HashSet<>(sentIds)).isEqualTo(ids);
    assertThat(sender.to("sink")).allSatisfy(m -> {
      assertThat(m.event().accountId()).isEqualTo(id);
      assertThat(m.event().click()).isNotNull();
      assertThat(m.event().trigger()).isEqualTo(DeliveryTrigger.DELIVERY_TRIGGER_RECORDED);
    });
  }

  @Test
  void aBusyDestinationsBacklogStaysQueuedWhileAnotherOneIsDelivered() {
    var a = account();
    String id = a.getAccount().getAccountId();
    directory.put(id, destination(id, "slow").toBuilder().setMaxConcurrency(1).build(), destination(id, "fast"));
    RecordingSender sender = new RecordingSender();
    DeliveryWorker w = worker(sender, Duration.ofDays(1));
    // A first conversion tells the worker the destinations' limits.
    postback(a, click(a), "first");
    dispatchAll(dispatcher(queue, "d"));
    pass(w);
    assertThat(sender.to("slow")).hasSize(1);

    // The slow receiver stops answering; 30 more conversions for both.
    sender.hold("slow");
    int n = 30;
    for (int i = 0; i < n; i++) {
      postback(a, click(a), "r" + i);
    }
    dispatchAll(dispatcher(queue, "d"));
    // Claimed until the fast one has every job: a claim stops taking on a destination that holds
    // more than half its cap, so on a loaded machine three rounds could leave fast jobs queued.
    claimUntil(w, () -> sender.to("fast").size() >= n + 1);
    assertThat(sender.to("fast")).hasSize(n + 1);
    // The worker took on at most 8 jobs per permit of the slow destination (1): the rest wait
    // in its queue, unclaimed, instead of being claimed and put back.
    long unclaimed = 0;
    double soon = System.currentTimeMillis() + 5_000;
    for (int p = 0; p < PARTITIONS; p++) {
      unclaimed += join(connector.commands().zcount(
          ("kc:{" + p + "}:dq:a:" + id + "/slow").getBytes(StandardCharsets.UTF_8),
          Range.create(Double.NEGATIVE_INFINITY, soon)));
    }
    assertThat(unclaimed).isGreaterThanOrEqualTo(n - DeliveryWorker.HELD_PER_PERMIT);
    assertThat(sender.to("slow")).hasSize(1);

    // Answering again, it gets every job, once each under its delivery id.
    sender.release("slow");
    claimUntil(w, () -> sender.to("slow").size() >= n + 1);
    assertThat(sender.to("slow").stream().map(OutboundMessage::deliveryId).distinct().count()).isEqualTo(n + 1);
    awaitTrue(() -> w.inFlight() == 0);
  }

  @Test
  void claimsASweepIssuesAtOnceEachGetAShareOfAKnownDestinationsBudget() {
    var a = account();
    String id = a.getAccount().getAccountId();
    directory.put(id, destination(id, "sink"));
    // Claims wait for the gate while it is shut, as a sweep's do on a loaded machine: it issues
    // one per partition before the first answers.
    AtomicReference<CompletableFuture<Void>> gate = new AtomicReference<>(CompletableFuture.completedFuture(null));
    DeliveryQueue slowToAnswer = (DeliveryQueue) Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {DeliveryQueue.class}, (proxy, method, args) -> method.getName().equals("claimDue")
            ? gate.get().thenCompose(open -> queue.claimDue((Integer) args[0], (Instant) args[1], (Instant) args[2],
                (Integer) args[3], (ClaimBudgets) args[4]))
            : method.invoke(queue, args));
    RecordingSender sender = new RecordingSender();
    DeliveryWorker w = worker(slowToAnswer, sender, Duration.ofDays(1));
    // A first conversion tells the worker the destination (its cap: 8 jobs per permit, 4 permits).
    postback(a, click(a), "first");
    dispatchAll(dispatcher(queue, "d"));
    assertThat(pass(w)).isEqualTo(1);

    // One due job in every partition.
    Set<Integer> covered = new HashSet<>();
    int n = 0;
    while (covered.size() < PARTITIONS) {
      String kcid = click(a);
      if (covered.add(codec.decode(kcid).partition())) {
        postback(a, kcid, "p" + n++);
      }
    }
    dispatchAll(dispatcher(queue, "d"));

    CompletableFuture<Void> shut = new CompletableFuture<>();
    gate.set(shut);
    List<CompletableFuture<DeliveryQueue.Claimed>> claims = new ArrayList<>();
    for (int p = 0; p < PARTITIONS; p++) {
      claims.add(w.claim(p, PARTITIONS).toCompletableFuture());
    }
    shut.complete(null);
    int claimed = claims.stream().mapToInt(c -> c.join().jobs().size()).sum();
    assertThat(claimed).as("jobs claimed by one sweep, one per partition").isEqualTo(PARTITIONS);
    awaitTrue(() -> sender.to("sink").size() == PARTITIONS + 1);
    awaitTrue(() -> w.inFlight() == 0);
  }

  private static boolean allDelivered(String account, int n) {
    List<Delivery> all = deliveries(account);
    return all.size() == n && all.stream().allMatch(d -> d.getState() == DeliveryState.DELIVERY_STATE_DELIVERED);
  }

  @Test
  void failingReceiversAreRetriedThenDeadLetteredWithTheirHistoryAndRedeliveredUnderTheSameId() {
    var a = account();
    String id = a.getAccount().getAccountId();
    directory.put(id, destination(id, "down"), destination(id, "gone"));
    String kcid = click(a);
    postback(a, kcid, "r");
    dispatchAll(dispatcher(queue, "d"));
    RecordingSender sender = new RecordingSender();
    sender.answer("down", 503);
    sender.answer("gone", 404);
    // Retried for 5 minutes of the test's clock (which other tests may have moved ahead already).
    DeliveryWorker w = worker(sender, Duration.between(Instant.now(), clock.instant()).plusMinutes(5));
    assertThat(pass(w)).isGreaterThanOrEqualTo(2);
    // 404 is permanent: dead-lettered after one attempt. 503 is retried until the maximum age.
    for (int i = 0; i < 20 && stateOf(id, "down") == DeliveryState.DELIVERY_STATE_PENDING; i++) {
      clock.advance(Duration.ofMinutes(1));
      pass(w);
    }
    Delivery down = only(id, "down");
    Delivery gone = only(id, "gone");
    assertThat(gone.getState()).isEqualTo(DeliveryState.DELIVERY_STATE_DEAD_LETTERED);
    assertThat(gone.getAttemptsList()).hasSize(1);
    assertThat(gone.getAttempts(0).getStatusCode()).isEqualTo(404);
    assertThat(down.getState()).isEqualTo(DeliveryState.DELIVERY_STATE_DEAD_LETTERED);
    assertThat(down.getAttemptsCount()).isGreaterThanOrEqualTo(2);
    assertThat(down.getAttemptsList()).allSatisfy(t -> assertThat(t.getError()).isEqualTo("HTTP 503"));
    assertThat(sender.to("down")).extracting(OutboundMessage::deliveryId).containsOnly(down.getDeliveryId());

    ListDeliveriesResponse failed = join(log.list(ListDeliveriesRequest.newBuilder().setAccountId(id).setFailedOnly(true)
        .setKcid(kcid).setPageSize(1).build()));
    assertThat(failed.getDeliveriesList()).hasSize(1);
    assertThat(failed.getNextPageToken()).isNotEmpty();
    ListDeliveriesResponse next = join(log.list(ListDeliveriesRequest.newBuilder().setAccountId(id).setFailedOnly(true)
        .setKcid(kcid).setPageSize(1).setPageToken(failed.getNextPageToken()).build()));
    assertThat(next.getDeliveriesList()).hasSize(1);
    assertThat(next.getDeliveries(0).getDeliveryId()).isNotEqualTo(failed.getDeliveries(0).getDeliveryId());

    // Redeliver: a dry run first (nothing moves), then for real; the receiver is back.
    RedeliverResponse preview = join(log.redeliver(RedeliverRequest.newBuilder().setAccountId(id)
        .setStartTime(Timestamp.newBuilder().setSeconds(0)).setEndTime(Timestamp.newBuilder()
            .setSeconds(clock.instant().getEpochSecond() + 10)).setDryRun(true).build()));
    assertThat(preview.getDryRun()).isTrue();
    assertThat(preview.getDeliveryIdsList()).containsExactlyInAnyOrder(down.getDeliveryId(), gone.getDeliveryId());
    assertThat(stateOf(id, "down")).isEqualTo(DeliveryState.DELIVERY_STATE_DEAD_LETTERED);
    RedeliverResponse queued = join(log.redeliver(RedeliverRequest.newBuilder().setAccountId(id)
        .setDeliveryId(down.getDeliveryId()).build()));
    assertThat(queued.getDeliveryIdsList()).containsExactly(down.getDeliveryId());
    assertThat(stateOf(id, "down")).isEqualTo(DeliveryState.DELIVERY_STATE_PENDING);
    sender.answer("down", 200);
    pass(w);
    Delivery redelivered = only(id, "down");
    assertThat(redelivered.getState()).isEqualTo(DeliveryState.DELIVERY_STATE_DELIVERED);
    assertThat(redelivered.getAttemptsCount()).isEqualTo(down.getAttemptsCount() + 1);
    assertThat(sender.to("down")).extracting(OutboundMessage::deliveryId).containsOnly(down.getDeliveryId());
    // A delivered job is only queued again when asked to include delivered ones.
    assertThat(join(log.redeliver(RedeliverRequest.newBuilder().setAccountId(id)
        .setDeliveryId(down.getDeliveryId()).build())).getDeliveryIdsList()).isEmpty();
    assertThat(join(log.redeliver(RedeliverRequest.newBuilder().setAccountId(id)
        .setDeliveryId(down.getDeliveryId()).setIncludeDelivered(true).build())).getDeliveryIdsList())
        .containsExactly(down.getDeliveryId());
  }

  @Test
  void aJobKeepsItsNewestAttemptsInItsHashAndOneAnOlderServerCreatedKeepsItsList() {
    int partition = 5;
    String account = "attempts-" + System.nanoTime();
    Instant created = Instant.now();
    java.util.function.Function<String, DeliveryJob> newJob = id -> new DeliveryJob(id, partition, account,
        "a:" + account, "sink", "k-1", "k", "purchase", DeliveryTrigger.DELIVERY_TRIGGER_RECORDED,
        ConversionStatus.CONVERSION_STATUS_APPROVED, DeliveryState.DELIVERY_STATE_PENDING, 0, created, created,
        created, "1-0", false);
    DeliveryJob job = newJob.apply("attempts-new-" + System.nanoTime());
    assertThat(join(queue.enqueue(partition, List.of(job), null, ClaimBudgets.NONE)).created()).isEqualTo(1);
    int tries = RedisDeliveryQueueAccess.ATTEMPTS_KEPT + 3;
    for (int i = 1; i <= tries; i++) {
      DeliveryAttempt attempt = DeliveryAttempt.newBuilder().setStatusCode(500).setError("try " + i).build();
      assertThat(join(queue.finish(job, attempt, i < tries ? DeliveryState.DELIVERY_STATE_PENDING
          : DeliveryState.DELIVERY_STATE_DEAD_LETTERED, created.plusSeconds(i), Duration.ofHours(1))))
          .isEqualTo(i < tries ? DeliveryState.DELIVERY_STATE_PENDING : DeliveryState.DELIVERY_STATE_DEAD_LETTERED);
    }
    Delivery found = join(queue.find(partition, job.deliveryId())).orElseThrow();
    // The newest 50, oldest first; no list of their own.
    assertThat(found.getAttemptsList()).extracting(DeliveryAttempt::getError)
        .hasSize(RedisDeliveryQueueAccess.ATTEMPTS_KEPT)
        .startsWith("try 4", "try 5").endsWith("try " + tries);
    var commands = connector.commands();
    assertThat(join(commands.exists(RedisDeliveryQueueAccess.attempts(partition, job.deliveryId())))).isZero();
    assertThat(join(commands.pttl(RedisDeliveryQueueAccess.job(partition, job.deliveryId())))).isPositive();

    // A job an older server created: no ah field, its attempts in a list; both are read, and the
    // list keeps taking its attempts and expires with the job.
    DeliveryJob older = newJob.apply("attempts-old-" + System.nanoTime());
    join(queue.enqueue(partition, List.of(older), null, ClaimBudgets.NONE));
    join(commands.hdel(RedisDeliveryQueueAccess.job(partition, older.deliveryId()), "ah".getBytes()));
    byte[] list = RedisDeliveryQueueAccess.attempts(partition, older.deliveryId());
    join(commands.rpush(list, DeliveryAttempt.newBuilder().setError("before the upgrade").build().toByteArray()));
    join(commands.hset(RedisDeliveryQueueAccess.job(partition, older.deliveryId()), "n".getBytes(), "1".getBytes()));
    join(queue.finish(older, DeliveryAttempt.newBuilder().setStatusCode(200).setError("after").build(),
        DeliveryState.DELIVERY_STATE_DELIVERED, null, Duration.ofHours(1)));
    Delivery olderFound = join(queue.find(partition, older.deliveryId())).orElseThrow();
    assertThat(olderFound.getState()).isEqualTo(DeliveryState.DELIVERY_STATE_DELIVERED);
    assertThat(olderFound.getAttemptsList()).extracting(DeliveryAttempt::getError)
        .containsExactly("before the upgrade", "after");
    assertThat(join(commands.pttl(list))).isPositive();
  }

  /** The test's Redis commands, counting the calls of one command in {@code calls}. */
  @SuppressWarnings("unchecked")
  private static RedisClusterAsyncCommands<byte[], byte[]> counting(String command, AtomicInteger calls) {
    var commands = connector.commands();
    return (RedisClusterAsyncCommands<byte[], byte[]>) Proxy.newProxyInstance(DeliveryQueueTest.class.getClassLoader(),
        new Class<?>[] {RedisClusterAsyncCommands.class}, (proxy, method, args) -> {
          if (method.getName().equals(command)) {
            calls.incrementAndGet();
          }
          try {
            return method.invoke(commands, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  @Test
  void aPassReadsEveryPartitionsOutboxInOneCallOnOneNodeAndOneCallPerPartitionOnACluster() {
    AtomicInteger reads = new AtomicInteger();
    RedisClusterAsyncCommands<byte[], byte[]> counted = counting("xreadgroup", reads);
    RedisDeliveryQueue q = new RedisDeliveryQueue(counted, connector.oneNode());
    var a = account();
    String id = a.getAccount().getAccountId();
    directory.put(id, destination(id, "read-together"));
    java.util.Map<Integer, List<String>> conversionsByPartition = new java.util.TreeMap<>();
    while (conversionsByPartition.size() < 3) {
      String kcid = click(a);
      assertThat(postback(a, kcid, "read-" + kcid).getOutcome()).isEqualTo(Outcome.OUTCOME_ACCEPTED);
      conversionsByPartition.computeIfAbsent(codec.decode(kcid).partition(), p -> new ArrayList<>()).add(kcid);
    }
    List<Integer> partitions = new ArrayList<>(conversionsByPartition.keySet());
    // One more partition, where this account wrote nothing.
    partitions.add(0, java.util.stream.IntStream.range(0, PARTITIONS).filter(p -> !partitions.contains(p)).findFirst().orElseThrow());

    List<List<OutboxEntry>> read = join(q.readOutboxes(partitions, "reader-" + System.nanoTime(), null, 256));

    assertThat(read).hasSize(partitions.size());
    for (int i = 0; i < partitions.size(); i++) {
      int p = partitions.get(i);
      List<OutboxEntry> ours = read.get(i).stream().filter(e -> e.accountId().equals(id)).toList();
      assertThat(read.get(i)).allMatch(e -> e.partition() == p);
      assertThat(ours).extracting(e -> e.conversionId().substring(0, e.conversionId().lastIndexOf('-')))
          .containsExactlyInAnyOrderElementsOf(conversionsByPartition.getOrDefault(p, List.of()));
    }
    // One node: every partition in one call. A Cluster: one call per partition (its slot).
    assertThat(reads.get()).isEqualTo(connector.oneNode() ? 1 : partitions.size());
  }

  @Test
  void attemptsEndingTogetherAreRecordedInOneCallOnOneNodeAndOneCallPerPartitionOnACluster() {
    AtomicInteger scripts = new AtomicInteger();
    // One EVALSHA per script call (a NOSCRIPT fallback adds an EVAL).
    RedisClusterAsyncCommands<byte[], byte[]> counted = counting("evalsha", scripts);
    // A linger far longer than submitting the attempts below takes, so that a pause of the machine
    // cannot split them; the server's is FINISH_LINGER.
    RedisDeliveryQueue q = RedisDeliveryQueueAccess.withFinishLinger(counted, connector.oneNode(), Duration.ofMillis(500));
    String account = "together-" + System.nanoTime();
    Instant created = Instant.now();
    var commands = connector.commands();
    List<DeliveryJob> jobs = new ArrayList<>();
    List<Integer> partitions = List.of(1, 6, 11);
    for (int partition : partitions) {
      for (int i = 0; i < 2; i++) {
        DeliveryJob job = new DeliveryJob(account + "-" + partition + "-" + i, partition, account, "a:" + account,
            "sink", "k-" + i, "k", "purchase", DeliveryTrigger.DELIVERY_TRIGGER_RECORDED,
            ConversionStatus.CONVERSION_STATUS_APPROVED, DeliveryState.DELIVERY_STATE_PENDING, 0, created, created,
            created, "1-0", false);
        assertThat(join(q.enqueue(partition, List.of(job), null, ClaimBudgets.NONE)).created()).isEqualTo(1);
        jobs.add(job);
      }
    }
    // A job sent straight from its outbox entry in two of the partitions: stored by the call, and
    // its entry deleted from its own partition's outbox.
    for (int partition : List.of(6, 11)) {
      String entry = join(commands.xadd(RedisKeys.outbox(partition),
          java.util.Map.of("a".getBytes(StandardCharsets.UTF_8), account.getBytes(StandardCharsets.UTF_8))));
      jobs.add(new DeliveryJob(account + "-" + partition + "-direct", partition, account, "a:" + account,
          "sink", "k-direct", "k", "purchase", DeliveryTrigger.DELIVERY_TRIGGER_RECORDED,
          ConversionStatus.CONVERSION_STATUS_APPROVED, DeliveryState.DELIVERY_STATE_PENDING, 0, created, created,
          created, entry, false).asDirect());
    }
    // Submitted out of partition order: each answer must still be its own job's.
    List<Integer> order = List.of(7, 4, 0, 2, 6, 5, 1, 3);
    int before = scripts.get();
    DeliveryAttempt ok = DeliveryAttempt.newBuilder().setStatusCode(200).build();
    java.util.function.IntFunction<DeliveryState> expected = i -> i % 2 == 0 && i < 6
        ? DeliveryState.DELIVERY_STATE_PENDING : DeliveryState.DELIVERY_STATE_DELIVERED;
    CompletableFuture<?>[] finished = new CompletableFuture<?>[jobs.size()];
    for (int i : order) {
      // A retry for one stored job of each partition, delivered for the others.
      DeliveryState next = expected.apply(i);
      finished[i] = q.finish(jobs.get(i), ok, next, next == DeliveryState.DELIVERY_STATE_PENDING
          ? created.plusSeconds(60) : null, Duration.ofHours(1)).toCompletableFuture();
    }
    for (int i = 0; i < jobs.size(); i++) {
      assertThat(finished[i].join()).as("answer of job %d", i).isEqualTo(expected.apply(i));
      Delivery found = join(q.find(jobs.get(i).partition(), jobs.get(i).deliveryId())).orElseThrow();
      assertThat(found.getState()).isEqualTo(expected.apply(i));
      assertThat(found.getAccountId()).isEqualTo(account);
      assertThat(found.getConversionId()).isEqualTo(jobs.get(i).conversionId());
      assertThat(found.getAttemptsList()).extracting(DeliveryAttempt::getStatusCode).containsExactly(200);
    }
    for (DeliveryJob direct : jobs.subList(6, 8)) {
      assertThat(join(commands.xrange(RedisKeys.outbox(direct.partition()), Range.create(direct.entryId(), direct.entryId()))))
          .isEmpty();
    }
    // One node: every partition in one call. A Cluster: one call per partition (its slot).
    assertThat(scripts.get() - before).isEqualTo(connector.oneNode() ? 1 : partitions.size());
  }

  @Test
  void pausedDestinationsWaitAndDeletedOnesCancel() {
    var a = account();
    String id = a.getAccount().getAccountId();
    Destination paused = destination(id, "paused").toBuilder().setPaused(true).build();
    directory.put(id, paused, destination(id, "deleted"));
    postback(a, click(a), "r");
    dispatchAll(dispatcher(queue, "d"));
    directory.put(id, paused);
    RecordingSender sender = new RecordingSender();
    DeliveryWorker w = worker(sender, Duration.ofDays(1));
    pass(w);
    assertThat(sender.sent).noneMatch(m -> m.event().accountId().equals(id));
    assertThat(stateOf(id, "deleted")).isEqualTo(DeliveryState.DELIVERY_STATE_CANCELLED);
    assertThat(stateOf(id, "paused")).isEqualTo(DeliveryState.DELIVERY_STATE_PENDING);
    // Resumed: the job that waited is sent.
    directory.put(id, paused.toBuilder().setPaused(false).build());
    clock.advance(DeliveryWorker.PAUSED_RECHECK.plusSeconds(1));
    pass(w);
    assertThat(stateOf(id, "paused")).isEqualTo(DeliveryState.DELIVERY_STATE_DELIVERED);
    assertThat(sender.to("paused")).hasSize(1);
  }

  @Test
  void aDestinationFailingLongEnoughOpensItsCircuitWaitsAndAProbeClosesIt() {
    var a = account();
    String id = a.getAccount().getAccountId();
    directory.put(id, destination(id, "flaky"));
    postback(a, click(a), "r");
    dispatchAll(dispatcher(queue, "d"));
    RecordingSender sender = new RecordingSender();
    sender.answer("flaky", 503);
    DeliveryWorker w = worker(sender, Duration.ofDays(1), new CircuitBreaker(Duration.ofMinutes(1), clock));
    pass(w);
    clock.advance(Duration.ofMinutes(2));
    pass(w);
    assertThat(sender.to("flaky")).hasSize(2);
    assertThat(directory.circuits).containsEntry("flaky", true);
    // Open: the job is due again but waits for the next probe, neither sent nor dropped.
    clock.advance(Duration.ofSeconds(40));
    pass(w);
    assertThat(sender.to("flaky")).hasSize(2);
    assertThat(stateOf(id, "flaky")).isEqualTo(DeliveryState.DELIVERY_STATE_PENDING);
    // The receiver is back; the probe after 5 minutes succeeds and closes the circuit.
    sender.answer("flaky", 200);
    clock.advance(CircuitBreaker.PROBE_INTERVAL.plusMinutes(1));
    pass(w);
    assertThat(stateOf(id, "flaky")).isEqualTo(DeliveryState.DELIVERY_STATE_DELIVERED);
    assertThat(only(id, "flaky").getAttemptsCount()).isEqualTo(3);
    assertThat(directory.circuits).containsEntry("flaky", false);
  }

  @Test
  void unknownDeliveriesAndForeignPageTokensAreRefusedWithTheirReasons() {
    String id = account().getAccount().getAccountId();
    assertThat(reasonOf(() -> join(log.redeliver(RedeliverRequest.newBuilder().setAccountId(id)
            .setDeliveryId("dlv_aaaaaaaaaaaaaaaaaaaaaaaaaa").build()))))
        .isEqualTo(ErrorReason.ERROR_REASON_DELIVERY_NOT_FOUND);
    assertThat(reasonOf(() -> join(log.list(ListDeliveriesRequest.newBuilder().setAccountId(id)
            .setPageToken("x").build()))))
        .isEqualTo(ErrorReason.ERROR_REASON_INVALID_PARAMETER);
    assertThat(reasonOf(() -> join(log.list(ListDeliveriesRequest.newBuilder().setAccountId(id)
            .setPageSize(1001).build()))))
        .isEqualTo(ErrorReason.ERROR_REASON_INVALID_PARAMETER);
    assertThat(deliveries(id)).isEmpty();
  }

  /** The kcid reason a call failed with, thrown at once or through its stage. */
  private static ErrorReason reasonOf(Runnable call) {
    Throwable t = catchThrowable(call::run);
    while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    assertThat(t).isInstanceOf(KcidException.class);
    return ((KcidException) t).reason();
  }

  private static Delivery only(String account, String destination) {
    List<Delivery> found = deliveries(account).stream().filter(d -> d.getDestinationId().equals(destination)).toList();
    assertThat(found).hasSize(1);
    return found.get(0);
  }

  private static DeliveryState stateOf(String account, String destination) {
    return only(account, destination).getState();
  }
}
