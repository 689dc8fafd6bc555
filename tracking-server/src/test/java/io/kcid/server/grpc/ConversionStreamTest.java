package io.kcid.server.grpc;

import static io.kcid.server.testing.TestServers.reasonOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.rpc.ErrorInfo;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.kcid.core.kcid.KcidKeyRing;
import io.kcid.proto.tracking.v1.AckConversionEventsRequest;
import io.kcid.proto.tracking.v1.AdminServiceGrpc;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionEvent;
import io.kcid.proto.tracking.v1.ConversionEventType;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.ConversionStatus;
import io.kcid.proto.tracking.v1.CountingMode;
import io.kcid.proto.tracking.v1.CreateAccountRequest;
import io.kcid.proto.tracking.v1.CreateAccountResponse;
import io.kcid.proto.tracking.v1.CreateGoalRequest;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.Money;
import io.kcid.proto.tracking.v1.PostbackCredentials;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.proto.tracking.v1.StreamConversionsRequest;
import io.kcid.proto.tracking.v1.StreamConversionsResponse;
import io.kcid.proto.tracking.v1.UpdateConversionStatusRequest;
import io.kcid.server.TrackingServer;
import io.kcid.server.config.ServerConfig;
import io.kcid.server.store.redis.LocalRedis;
import io.kcid.server.stream.StreamCursor;
import io.kcid.server.testing.TestServers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * StreamConversions and consumer groups over real gRPC sockets and a real redis-server: killed and
 * resumed consumers lose and reorder nothing, group members share the work, a dead member's
 * pending events go to another, trimmed cursors are refused.
 */
class ConversionStreamTest {
  private static final KcidKeyRing KEYS = KcidKeyRing.generate(1);
  private static LocalRedis redis;
  private static TrackingServer server;
  private static ManagedChannel channel;
  private static ClickServiceGrpc.ClickServiceBlockingStub clicks;
  private static ConversionServiceGrpc.ConversionServiceBlockingStub conversions;
  private static AdminServiceGrpc.AdminServiceBlockingStub admin;

  @BeforeAll
  static void start() {
    redis = LocalRedis.startTemporary();
    server = TrackingServer.start(config(redis.url()));
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    clicks = ClickServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    conversions = ConversionServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    admin = AdminServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  private static ServerConfig config(String url) {
    return TestServers.builder(url).macKeys(KEYS).redisTimeout(Duration.ofMillis(2000)).streamMaxLength(1000)
        .statsRetention(Duration.ofDays(400)).streamPollInterval(Duration.ofMillis(20)).build();
  }

  @AfterAll
  static void stop() {
    channel.shutdownNow();
    server.close();
    redis.close();
  }

  /** What the producer did, in order: one entry per expected event. */
  private record Produced(String key, int partition) {}

  private static String key(ConversionEvent e) {
    return e.getConversionId() + (e.getType() == ConversionEventType.CONVERSION_EVENT_TYPE_RECORDED ? ":R" : ":S");
  }

  private static final class Producer {
    final CreateAccountResponse account;
    final List<Produced> produced = new ArrayList<>();

    Producer(CreateAccountResponse account) {
      this.account = account;
    }

    String id() {
      return account.getAccount().getAccountId();
    }

    /** A conversion on a new click (any partition); every third one is then rejected. */
    void conversions(int n) {
      for (int i = 0; i < n; i++) {
        var click = clicks.issueClick(IssueClickRequest.newBuilder().setAccountId(id()).setCampaignId("c").build()).getClick();
        conversion(click.getKcid(), click.getPartition(), i % 3 == 0);
      }
    }

    void conversion(String kcid, int partition, boolean thenReject) {
      String conversionId = conversions.recordConversion(RecordConversionRequest.newBuilder().setKcid(kcid)
          .setValue(Money.newBuilder().setAmount("1.50").setCurrencyCode("EUR"))
          .setCredentials(PostbackCredentials.newBuilder().setToken(account.getSecrets().getPostbackToken()))
          .build()).getConversionId();
      produced.add(new Produced(conversionId + ":R", partition));
      if (thenReject) {
        conversions.updateConversionStatus(UpdateConversionStatusRequest.newBuilder().setConversionId(conversionId)
            .setStatus(ConversionStatus.CONVERSION_STATUS_REJECTED).setReason("fraud").build());
        produced.add(new Produced(conversionId + ":S", partition));
      }
    }

    Set<String> keys() {
      Set<String> keys = new HashSet<>();
      produced.forEach(p -> keys.add(p.key()));
      return keys;
    }
  }

  private static Producer producer() {
    return new Producer(admin.createAccount(CreateAccountRequest.getDefaultInstance()));
  }

  /** A stream consumer on its own channel, as a separate process would be. */
  private static final class Consumer implements AutoCloseable {
    final ManagedChannel own = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    final BlockingQueue<StreamConversionsResponse> inbox = new LinkedBlockingQueue<>();
    final AtomicReference<Throwable> error = new AtomicReference<>();

    Consumer(StreamConversionsRequest request) {
      ConversionServiceGrpc.newStub(own).streamConversions(request, new io.grpc.stub.StreamObserver<>() {
        @Override
        public void onNext(StreamConversionsResponse value) {
          inbox.add(value);
        }

        @Override
        public void onError(Throwable t) {
          error.set(t);
        }

        @Override
        public void onCompleted() {}
      });
    }

    StreamConversionsResponse next() throws InterruptedException {
      StreamConversionsResponse r = inbox.poll(20, TimeUnit.SECONDS);
      assertThat(r).as("a message (stream error: %s)", error.get()).isNotNull();
      return r;
    }

    /** The next event, skipping messages that only move the cursor. */
    StreamConversionsResponse nextEvent() throws InterruptedException {
      StreamConversionsResponse r;
      do {
        r = next();
      } while (!r.hasEvent());
      return r;
    }

    long ack(String group, String account, List<String> eventIds) {
      return ConversionServiceGrpc.newBlockingStub(own).withDeadlineAfter(10, TimeUnit.SECONDS)
          .ackConversionEvents(AckConversionEventsRequest.newBuilder().setConsumerGroup(group).setAccountId(account)
              .addAllEventIds(eventIds).build())
          .getAcknowledged();
    }

    /** Killed: the channel goes away mid-stream, whatever it had not processed is lost with it. */
    @Override
    public void close() {
      own.shutdownNow();
    }
  }

  @Test
  void aKilledConsumerResumesFromItsCursorWithoutLosingOrReorderingEvents() throws Exception {
    Producer mine = producer();
    Producer other = producer();
    List<ConversionEvent> processed = new ArrayList<>();
    String cursor;
    try (Consumer first = new Consumer(StreamConversionsRequest.newBuilder().setAccountId(mine.id()).build())) {
      StreamConversionsResponse subscribed = first.next();
      assertThat(subscribed.hasEvent()).isFalse();
      cursor = subscribed.getCursor();
      assertThat(cursor).isNotEmpty();
      mine.conversions(20);
      other.conversions(10);
      mine.conversions(20);
      // Process 25 events (saving the cursor after each), then die with the rest in flight.
      while (processed.size() < 25) {
        StreamConversionsResponse r = first.next();
        if (r.hasEvent()) {
          processed.add(r.getEvent());
        }
        cursor = r.getCursor();
      }
    }
    mine.conversions(15);
    try (Consumer resumed = new Consumer(StreamConversionsRequest.newBuilder().setAccountId(mine.id()).setCursor(cursor).build())) {
      int expected = mine.produced.size();
      while (processed.size() < expected) {
        processed.add(resumed.nextEvent().getEvent());
      }
      // Nothing beyond what was produced arrives: no duplicate of an event before the cursor.
      StreamConversionsResponse extra;
      while ((extra = resumed.inbox.poll(300, TimeUnit.MILLISECONDS)) != null) {
        assertThat(extra.hasEvent()).as("unexpected %s", extra).isFalse();
      }
    }
    List<String> keys = processed.stream().map(ConversionStreamTest::key).toList();
    assertThat(keys).doesNotHaveDuplicates();
    assertThat(Set.copyOf(keys)).isEqualTo(mine.keys());
    assertThat(processed).allSatisfy(e -> assertThat(e.getAccountId()).isEqualTo(mine.id()));
    assertThat(processed.stream().map(ConversionEvent::getEventId).toList()).doesNotHaveDuplicates();
    // Per partition, the order of delivery is the order the events happened in.
    Map<Integer, List<String>> delivered = new HashMap<>();
    processed.forEach(e -> delivered.computeIfAbsent(e.getPartition(), p -> new ArrayList<>()).add(key(e)));
    Map<Integer, List<String>> happened = new HashMap<>();
    mine.produced.forEach(p -> happened.computeIfAbsent(p.partition(), x -> new ArrayList<>()).add(p.key()));
    assertThat(delivered).isEqualTo(happened);
    // Events carry what a consumer needs.
    ConversionEvent rejected = processed.stream()
        .filter(e -> e.getType() == ConversionEventType.CONVERSION_EVENT_TYPE_STATUS_CHANGED).findFirst().orElseThrow();
    assertThat(rejected.getStatus()).isEqualTo(ConversionStatus.CONVERSION_STATUS_REJECTED);
    assertThat(rejected.getPreviousStatus()).isEqualTo(ConversionStatus.CONVERSION_STATUS_APPROVED);
    assertThat(rejected.getValue().getAmount()).isEqualTo("1.50");
    assertThat(rejected.getGoalKey()).isEqualTo("default");
    assertThat(rejected.getKcid()).isEqualTo(rejected.getConversionId().substring(0, 32));
    ConversionEvent recorded = processed.get(0);
    assertThat(recorded.getType()).isEqualTo(ConversionEventType.CONVERSION_EVENT_TYPE_RECORDED);
    assertThat(recorded.getCampaignId()).isEqualTo("c");
    assertThat(recorded.getValue().getCurrencyCode()).isEqualTo("EUR");
    assertThat(recorded.getTest()).isFalse();
  }

  @Test
  void aSlowConsumerBehindFlowControlGetsEverythingInOrder() throws Exception {
    Producer mine = producer();
    // A tiny HTTP/2 window: the server's call stops being ready after a few messages and has to
    // wait for the consumer, who takes one message at a time.
    ManagedChannel slow = NettyChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext()
        .flowControlWindow(8 * 1024).build();
    BlockingQueue<StreamConversionsResponse> inbox = new LinkedBlockingQueue<>();
    AtomicReference<ClientCallStreamObserver<StreamConversionsRequest>> call = new AtomicReference<>();
    try {
      ConversionServiceGrpc.newStub(slow).streamConversions(
          StreamConversionsRequest.newBuilder().setAccountId(mine.id()).build(),
          new ClientResponseObserver<StreamConversionsRequest, StreamConversionsResponse>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<StreamConversionsRequest> requestStream) {
              call.set(requestStream);
              requestStream.disableAutoRequestWithInitial(1);
            }

            @Override
            public void onNext(StreamConversionsResponse value) {
              inbox.add(value);
            }

            @Override
            public void onError(Throwable t) {}

            @Override
            public void onCompleted() {}
          });
      assertThat(inbox.poll(20, TimeUnit.SECONDS)).isNotNull();
      mine.conversions(150);
      List<ConversionEvent> events = new ArrayList<>();
      while (events.size() < mine.produced.size()) {
        call.get().request(1);
        StreamConversionsResponse r = inbox.poll(20, TimeUnit.SECONDS);
        assertThat(r).isNotNull();
        if (r.hasEvent()) {
          events.add(r.getEvent());
        }
      }
      Map<Integer, List<String>> delivered = new HashMap<>();
      events.forEach(e -> delivered.computeIfAbsent(e.getPartition(), p -> new ArrayList<>()).add(key(e)));
      Map<Integer, List<String>> happened = new HashMap<>();
      mine.produced.forEach(p -> happened.computeIfAbsent(p.partition(), x -> new ArrayList<>()).add(p.key()));
      assertThat(delivered).isEqualTo(happened);
    } finally {
      slow.shutdownNow();
    }
  }

  @Test
  void twoConsumersOfAGroupShareTheWorkAndEveryEventIsDelivered() throws Exception {
    Producer mine = producer();
    StreamConversionsRequest.Builder group = StreamConversionsRequest.newBuilder()
        .setAccountId(mine.id()).setConsumerGroup("billing");
    Map<String, Set<String>> byConsumer = new ConcurrentHashMap<>();
    Map<String, Long> acked = new ConcurrentHashMap<>();
    List<Thread> workers = new ArrayList<>();
    List<Consumer> consumers = new ArrayList<>();
    for (String name : List.of("a", "b")) {
      Consumer c = new Consumer(group.clone().setConsumerName(name).build());
      consumers.add(c);
      assertThat(c.next().hasEvent()).as("subscribed").isFalse();
      byConsumer.put(name, ConcurrentHashMap.newKeySet());
      Thread worker = new Thread(() -> {
        try {
          while (!Thread.currentThread().isInterrupted()) {
            StreamConversionsResponse r = c.inbox.poll(100, TimeUnit.MILLISECONDS);
            if (r != null && r.hasEvent()) {
              byConsumer.get(name).add(key(r.getEvent()));
              acked.merge(name, c.ack("billing", mine.id(), List.of(r.getEvent().getEventId())), Long::sum);
            }
          }
        } catch (InterruptedException | RuntimeException e) {
          Thread.currentThread().interrupt();
        }
      });
      worker.start();
      workers.add(worker);
    }
    try {
      for (int i = 0; i < 8; i++) {
        mine.conversions(8);
        Thread.sleep(60);
      }
      int expected = mine.produced.size();
      await().atMost(Duration.ofSeconds(30)).until(
          () -> byConsumer.get("a").size() + byConsumer.get("b").size() >= expected);
      Thread.sleep(300);
      Set<String> union = new HashSet<>(byConsumer.get("a"));
      union.addAll(byConsumer.get("b"));
      assertThat(union).isEqualTo(mine.keys());
      assertThat(byConsumer.get("a")).as("each event went to one consumer").doesNotContainAnyElementsOf(byConsumer.get("b"));
      assertThat(byConsumer.get("a")).as("a did part of the work").isNotEmpty();
      assertThat(byConsumer.get("b")).as("b did part of the work").isNotEmpty();
      assertThat(acked.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(expected);
    } finally {
      workers.forEach(Thread::interrupt);
      consumers.forEach(Consumer::close);
    }
  }

  @Test
  void pendingEventsOfADeadConsumerAreDeliveredToAnother() throws Exception {
    Producer mine = producer();
    StreamConversionsRequest.Builder group = StreamConversionsRequest.newBuilder()
        .setAccountId(mine.id()).setConsumerGroup("fulfil");
    Set<String> seenByDead = new HashSet<>();
    try (Consumer dying = new Consumer(group.clone().setConsumerName("dying").build())) {
      assertThat(dying.next().hasEvent()).isFalse();
      mine.conversions(12);
      while (seenByDead.size() < mine.produced.size()) {
        seenByDead.add(key(dying.nextEvent().getEvent()));
      }
    } // killed without acknowledging anything
    assertThat(seenByDead).isEqualTo(mine.keys());
    Set<String> taken = new HashSet<>();
    try (Consumer heir = new Consumer(group.clone().setConsumerName("heir")
        .setClaimIdle(com.google.protobuf.Duration.newBuilder().setSeconds(1)).build())) {
      while (taken.size() < mine.produced.size()) {
        ConversionEvent e = heir.nextEvent().getEvent();
        taken.add(key(e));
        assertThat(heir.ack("fulfil", mine.id(), List.of(e.getEventId()))).isEqualTo(1);
      }
    }
    assertThat(taken).isEqualTo(mine.keys());
    // The dead consumer, back under its name, finds nothing left: its events were taken over and
    // acknowledged.
    try (Consumer back = new Consumer(group.clone().setConsumerName("dying").build())) {
      assertThat(back.next().hasEvent()).isFalse();
      assertThat(back.inbox.poll(500, TimeUnit.MILLISECONDS)).isNull();
    }
  }

  @Test
  void aReturningGroupConsumerGetsItsUnacknowledgedEventsAgainFirst() throws Exception {
    Producer mine = producer();
    StreamConversionsRequest request = StreamConversionsRequest.newBuilder()
        .setAccountId(mine.id()).setConsumerGroup("ret").setConsumerName("worker-1").build();
    List<ConversionEvent> first = new ArrayList<>();
    try (Consumer c = new Consumer(request)) {
      assertThat(c.next().hasEvent()).isFalse();
      mine.conversions(4); // 6 events: two conversions are rejected afterwards
      while (first.size() < mine.produced.size()) {
        first.add(c.nextEvent().getEvent());
      }
      assertThat(c.ack("ret", mine.id(), List.of(first.get(0).getEventId(), first.get(1).getEventId()))).isEqualTo(2);
    }
    try (Consumer again = new Consumer(request)) {
      assertThat(again.next().hasEvent()).isFalse();
      List<String> redelivered = new ArrayList<>();
      for (int i = 2; i < first.size(); i++) {
        redelivered.add(again.nextEvent().getEvent().getEventId());
      }
      // The same events, same ids (for deduplication), in their order within each partition.
      assertThat(redelivered).containsExactlyInAnyOrderElementsOf(
          first.subList(2, first.size()).stream().map(ConversionEvent::getEventId).toList());
      assertThat(again.ack("ret", mine.id(), redelivered)).isEqualTo(redelivered.size());
      mine.conversions(1);
      assertThat(key(again.nextEvent().getEvent())).isEqualTo(mine.produced.get(mine.produced.size() - 2).key());
    }
  }

  @Test
  void aCursorWhoseEventsWereTrimmedIsRefused() throws Exception {
    Producer mine = producer();
    admin.createGoal(CreateGoalRequest.newBuilder().setAccountId(mine.id()).setGoalKey("ping")
        .setCountingMode(CountingMode.COUNTING_MODE_EVERY_POSTBACK).build());
    var click = clicks.issueClick(IssueClickRequest.newBuilder().setAccountId(mine.id()).setCampaignId("c").build()).getClick();
    String sequences = "kc:{" + click.getPartition() + "}:sn";
    String cursor;
    long before;
    try (RedisClient raw = RedisClient.create(redis.url());
        StatefulRedisConnection<String, String> redisCli = raw.connect()) {
      try (Consumer c = new Consumer(StreamConversionsRequest.newBuilder().setAccountId(mine.id()).build())) {
        cursor = c.next().getCursor();
      }
      before = Long.parseLong(java.util.Objects.requireNonNullElse(redisCli.sync().hget(sequences, "n"), "0"));
      // 1,300 events in the click's partition: the server trims its stream (KCID_STREAM_MAX_LENGTH
      // is 1,000 here) past the cursor.
      for (int batch = 0; batch < 13; batch++) {
        var items = io.kcid.proto.tracking.v1.RecordConversionsRequest.newBuilder();
        for (int i = 0; i < 100; i++) {
          items.addItems(RecordConversionRequest.newBuilder().setKcid(click.getKcid()).setGoalKey("ping")
              .setAccountId(mine.id()));
        }
        assertThat(conversions.recordConversions(items.build()).getResultsList())
            .allSatisfy(r -> assertThat(r.hasResponse()).isTrue());
      }
      long horizon = Long.parseLong(redisCli.sync().hget(sequences, "h"));
      assertThat(horizon).isGreaterThan(before + 1);
      try (Consumer late = new Consumer(StreamConversionsRequest.newBuilder().setAccountId(mine.id()).setCursor(cursor).build())) {
        assertThat(late.next().hasEvent()).isFalse();
        await().atMost(Duration.ofSeconds(20)).until(() -> late.error.get() != null);
        assertThat(reasonOf(late.error.get())).isEqualTo(ErrorReason.ERROR_REASON_STREAM_CURSOR_EXPIRED);
        assertThat(metadata(late.error.get())).containsEntry("missedEvents", Long.toString(horizon - before - 1))
            .containsEntry("partition", Integer.toString(click.getPartition()));
        // Nothing of the partition was delivered before the error.
        assertThat(late.inbox).allSatisfy(r -> assertThat(r.hasEvent() && r.getEvent().getPartition() == click.getPartition()).isFalse());
      }
    }
  }

  private record IssueClickResultHolder(String kcid, int partition) {}

  @Test
  void entriesDeletedOneByOneAreNotMistakenForATrimmedCursor() throws Exception {
    Producer mine = producer();
    String cursor;
    try (Consumer c = new Consumer(StreamConversionsRequest.newBuilder().setAccountId(mine.id()).build())) {
      cursor = c.next().getCursor();
    }
    List<IssueClickResultHolder> same = new ArrayList<>();
    while (same.size() < 3) {
      var click = clicks.issueClick(IssueClickRequest.newBuilder().setAccountId(mine.id()).setCampaignId("c").build()).getClick();
      if (same.isEmpty() || click.getPartition() == same.get(0).partition()) {
        same.add(new IssueClickResultHolder(click.getKcid(), click.getPartition()));
      }
    }
    for (IssueClickResultHolder h : same) {
      mine.conversion(h.kcid(), h.partition(), false);
    }
    // The first of the three is deleted (as deleting a click does), not trimmed.
    String stream = "kc:{" + same.get(0).partition() + "}:s";
    try (RedisClient raw = RedisClient.create(redis.url());
        StatefulRedisConnection<String, String> c = raw.connect()) {
      var entries = c.sync().xrange(stream, io.lettuce.core.Range.create("-", "+"));
      String deleted = entries.stream().filter(m -> mine.produced.get(0).key().startsWith(m.getBody().get("id") + ":"))
          .findFirst().orElseThrow().getId();
      assertThat(c.sync().xdel(stream, deleted)).isEqualTo(1);
    }
    try (Consumer resumed = new Consumer(StreamConversionsRequest.newBuilder().setAccountId(mine.id()).setCursor(cursor).build())) {
      List<String> keys = List.of(key(resumed.nextEvent().getEvent()), key(resumed.nextEvent().getEvent()));
      assertThat(keys).containsExactly(mine.produced.get(1).key(), mine.produced.get(2).key());
      assertThat(resumed.error.get()).isNull();
    }
  }

  @Test
  void pendingEntriesTrimmedFromTheStreamAreDroppedNotDelivered() throws Exception {
    Producer mine = producer();
    StreamConversionsRequest request = StreamConversionsRequest.newBuilder()
        .setAccountId(mine.id()).setConsumerGroup("trimmed").setConsumerName("w").build();
    int partition;
    try (Consumer c = new Consumer(request)) {
      assertThat(c.next().hasEvent()).isFalse();
      mine.conversions(2); // 3 events, pending for w
      for (int i = 0; i < 3; i++) {
        c.nextEvent();
      }
      partition = mine.produced.get(0).partition();
    }
    String stream = "kc:{" + partition + "}:s";
    try (RedisClient raw = RedisClient.create(redis.url());
        StatefulRedisConnection<String, String> c = raw.connect()) {
      long pendingBefore = c.sync().xpending(stream, "trimmed|" + mine.id()).getCount();
      assertThat(pendingBefore).isPositive();
      c.sync().xtrim(stream, 0);
      try (Consumer back = new Consumer(request)) {
        assertThat(back.next().hasEvent()).isFalse();
        // The entries of the trimmed partition are gone: acknowledged, never delivered as events.
        await().atMost(Duration.ofSeconds(10))
            .until(() -> c.sync().xpending(stream, "trimmed|" + mine.id()).getCount() == 0);
        StreamConversionsResponse r;
        while ((r = back.inbox.poll(300, TimeUnit.MILLISECONDS)) != null) {
          assertThat(r.getEvent().getPartition()).as("only other partitions' events come back").isNotEqualTo(partition);
        }
        assertThat(back.error.get()).isNull();
      }
    }
  }

  @Test
  void badCursorsAndOptionsAreRefused() throws Exception {
    String account = producer().id();
    assertRefused(StreamConversionsRequest.newBuilder().setCursor("not-a-cursor!").build(),
        ErrorReason.ERROR_REASON_STREAM_CURSOR_INVALID);
    StreamCursor foreign = StreamCursor.atStart(8);
    foreign.move(3, "1700000000000-0", 7);
    assertRefused(StreamConversionsRequest.newBuilder().setCursor(foreign.encode()).build(),
        ErrorReason.ERROR_REASON_STREAM_CURSOR_INVALID);
    assertRefused(StreamConversionsRequest.newBuilder().setConsumerGroup("g").build(),
        ErrorReason.ERROR_REASON_MISSING_PARAMETER);
    assertRefused(StreamConversionsRequest.newBuilder().setConsumerGroup("g").setConsumerName("n")
        .setCursor(StreamCursor.atStart(16).encode()).build(), ErrorReason.ERROR_REASON_INVALID_PARAMETER);
    assertRefused(StreamConversionsRequest.newBuilder().setConsumerGroup("g").setConsumerName("n")
        .setClaimIdle(com.google.protobuf.Duration.newBuilder().setNanos(500_000_000)).build(),
        ErrorReason.ERROR_REASON_INVALID_PARAMETER);
    assertRefused(StreamConversionsRequest.newBuilder().setConsumerGroup("Bad Group").setConsumerName("n").build(),
        ErrorReason.ERROR_REASON_INVALID_PARAMETER);
    assertRefused(StreamConversionsRequest.newBuilder().setAccountId("no-such-account").build(),
        ErrorReason.ERROR_REASON_ACCOUNT_NOT_FOUND);
    try (Consumer c = new Consumer(StreamConversionsRequest.getDefaultInstance())) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> c.ack("g", account, List.of("99:1-0")))
          .satisfies(e -> assertThat(reasonOf(e)).isEqualTo(ErrorReason.ERROR_REASON_INVALID_PARAMETER));
      assertThat(c.ack("g", account, List.of("3:1-0"))).as("nothing pending").isZero();
    }
  }

  private static void assertRefused(StreamConversionsRequest request, ErrorReason reason) throws Exception {
    try (Consumer c = new Consumer(request)) {
      await().atMost(Duration.ofSeconds(10)).until(() -> c.error.get() != null);
      assertThat(c.inbox).isEmpty();
      assertThat(reasonOf(c.error.get())).isEqualTo(reason);
    }
  }

  private static Map<String, String> metadata(Throwable t) throws Exception {
    for (var d : StatusProto.fromThrowable(t).getDetailsList()) {
      if (d.is(ErrorInfo.class)) {
        return d.unpack(ErrorInfo.class).getMetadataMap();
      }
    }
    return Map.of();
  }

  @Test
  void openStreamsEndWithShuttingDownWhenTheServerStops() throws Exception {
    TrackingServer second = TrackingServer.start(config(redis.url()));
    ManagedChannel own = NettyChannelBuilder.forAddress("127.0.0.1", second.port()).usePlaintext().build();
    try {
      BlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
      ConversionServiceGrpc.newStub(own).streamConversions(StreamConversionsRequest.getDefaultInstance(),
          new io.grpc.stub.StreamObserver<>() {
            @Override
            public void onNext(StreamConversionsResponse value) {
              inbox.add(value);
            }

            @Override
            public void onError(Throwable t) {
              inbox.add(t);
            }

            @Override
            public void onCompleted() {
              inbox.add("completed");
            }
          });
      assertThat(inbox.poll(20, TimeUnit.SECONDS)).isInstanceOf(StreamConversionsResponse.class);
      second.close();
      Object end = inbox.poll(20, TimeUnit.SECONDS);
      assertThat(end).isInstanceOf(Throwable.class);
      assertThat(reasonOf((Throwable) end)).isEqualTo(ErrorReason.ERROR_REASON_SHUTTING_DOWN);
    } finally {
      own.shutdownNow();
      second.close();
    }
  }

  @Test
  void aGoalCountingEveryPostbackStreamsEveryConversion() throws Exception {
    Producer mine = producer();
    admin.createGoal(CreateGoalRequest.newBuilder().setAccountId(mine.id()).setGoalKey("ping")
        .setCountingMode(CountingMode.COUNTING_MODE_EVERY_POSTBACK).build());
    try (Consumer c = new Consumer(StreamConversionsRequest.newBuilder().setAccountId(mine.id()).build())) {
      c.next();
      var click = clicks.issueClick(IssueClickRequest.newBuilder().setAccountId(mine.id()).setCampaignId("c").build()).getClick();
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        ids.add(conversions.recordConversion(RecordConversionRequest.newBuilder().setKcid(click.getKcid()).setGoalKey("ping")
            .setTest(i == 1)
            .setCredentials(PostbackCredentials.newBuilder().setToken(mine.account.getSecrets().getPostbackToken()))
            .build()).getConversionId());
      }
      List<ConversionEvent> events = List.of(c.nextEvent().getEvent(), c.nextEvent().getEvent(), c.nextEvent().getEvent());
      assertThat(events).extracting(ConversionEvent::getConversionId).containsExactlyElementsOf(ids);
      // Test conversions are streamed, flagged (they are kept out of stats, not out of the stream).
      assertThat(events).extracting(ConversionEvent::getTest).containsExactly(false, true, false);
      assertThat(events).allSatisfy(e -> assertThat(e.hasValue()).isFalse());
    }
  }
}
