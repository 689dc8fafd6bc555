package io.kcid.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.kcid.proto.ErrorReasons;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.Outcome;
import io.kcid.proto.tracking.v1.PostbackCredentials;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.proto.tracking.v1.RecordConversionResponse;
import io.kcid.proto.tracking.v1.Conversion;
import io.kcid.proto.tracking.v1.ListConversionsRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A steady, bounded load of postbacks from well-behaved senders: each postback has its own
 * transaction id and request id, and is retried with the same request while the answer is
 * UNAVAILABLE (the outcome is unknown). Every attempt and its answer is kept for the checks.
 */
final class PostbackLoad {
  /** One answer: OK (an outcome and conversion id) or an error (a code and reason). */
  record Attempt(int postback, long answeredAtNanos, Status.Code code, ErrorReason reason,
      Outcome outcome, String conversionId) {
    boolean ok() {
      return code == Status.Code.OK;
    }
  }

  private static final int MAX_POSTBACKS = 50_000;
  private static final long RETRY_BUDGET_NANOS = TimeUnit.SECONDS.toNanos(30);

  private final ConversionServiceGrpc.ConversionServiceBlockingStub stub;
  private final String token;
  private final String goal;
  private final List<String> kcids;
  private final String tag;
  private final AtomicInteger next = new AtomicInteger();
  private final AtomicInteger answeredOk = new AtomicInteger();
  private final AtomicBoolean stopping = new AtomicBoolean();
  private final List<Attempt> attempts = Collections.synchronizedList(new ArrayList<>());
  private final Map<Integer, Attempt> finalAnswers = new ConcurrentHashMap<>();
  private final List<Thread> workers = new ArrayList<>();

  PostbackLoad(ManagedChannel channel, String token, String goal, List<String> kcids, String tag) {
    this.stub = ConversionServiceGrpc.newBlockingStub(channel);
    this.token = token;
    this.goal = goal;
    this.kcids = List.copyOf(kcids);
    this.tag = tag;
  }

  String kcidOf(int postback) {
    return kcids.get(postback % kcids.size());
  }

  String transactionOf(int postback) {
    return tag + "-t" + postback;
  }

  PostbackLoad start(int threads) {
    for (int i = 0; i < threads; i++) {
      Thread t = new Thread(this::work, "postback-load-" + tag + "-" + i);
      t.setDaemon(true);
      workers.add(t);
      t.start();
    }
    return this;
  }

  /** Postbacks answered OK so far. */
  int okCount() {
    return answeredOk.get();
  }

  /** Waits until {@code more} further postbacks have been answered OK. */
  void awaitOk(int more) throws InterruptedException {
    int target = okCount() + more;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (okCount() < target) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("load stalled at " + okCount() + " OK postbacks");
      }
      Thread.sleep(10);
    }
  }

  /** Stops taking new postbacks; those in progress are retried to their end. */
  void stop() throws InterruptedException {
    stopping.set(true);
    for (Thread t : workers) {
      t.join(TimeUnit.NANOSECONDS.toMillis(RETRY_BUDGET_NANOS) + 10_000);
    }
  }

  /** Milliseconds from the first to the last UNAVAILABLE answer (0 when there was none). */
  long unavailableMillis() {
    var times = attempts().stream().filter(a -> a.code() == Status.Code.UNAVAILABLE)
        .mapToLong(Attempt::answeredAtNanos).summaryStatistics();
    return times.getCount() == 0 ? 0 : TimeUnit.NANOSECONDS.toMillis(times.getMax() - times.getMin());
  }

  List<Attempt> attempts() {
    return List.copyOf(attempts);
  }

  /** The last answer of every postback started (OK unless the sender gave up). */
  Map<Integer, Attempt> finalAnswers() {
    return Map.copyOf(finalAnswers);
  }

  private void work() {
    while (!stopping.get()) {
      int postback = next.getAndIncrement();
      if (postback >= MAX_POSTBACKS) {
        return;
      }
      RecordConversionRequest request =
          RecordConversionRequest.newBuilder()
              .setKcid(kcidOf(postback))
              .setGoalKey(goal)
              .setTransactionId(transactionOf(postback))
              .setRequestId(tag + "-r" + postback)
              .setCredentials(PostbackCredentials.newBuilder().setToken(token))
              .build();
      long giveUp = System.nanoTime() + RETRY_BUDGET_NANOS;
      while (true) {
        Attempt answer = call(postback, request);
        attempts.add(answer);
        boolean retry = answer.code() == Status.Code.UNAVAILABLE && System.nanoTime() < giveUp;
        if (!retry) {
          finalAnswers.put(postback, answer);
          if (answer.ok()) {
            answeredOk.incrementAndGet();
          }
          break;
        }
        try {
          Thread.sleep(20); // what Retry-After asks a sender to do, shortened
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private Attempt call(int postback, RecordConversionRequest request) {
    try {
      RecordConversionResponse r =
          stub.withDeadlineAfter(10, TimeUnit.SECONDS).recordConversion(request);
      return new Attempt(postback, System.nanoTime(), Status.Code.OK, null, r.getOutcome(), r.getConversionId());
    } catch (StatusRuntimeException e) {
      return new Attempt(postback, System.nanoTime(), e.getStatus().getCode(), reasonOf(e), null, null);
    }
  }

  static ErrorReason reasonOf(StatusRuntimeException e) {
    com.google.rpc.Status status = StatusProto.fromThrowable(e);
    if (status == null) {
      return null;
    }
    for (var detail : status.getDetailsList()) {
      if (detail.is(ErrorInfo.class)) {
        try {
          return ErrorReasons.fromShortName(detail.unpack(ErrorInfo.class).getReason());
        } catch (InvalidProtocolBufferException bad) {
          return null;
        }
      }
    }
    return null;
  }

  /**
   * Checks the history and the store; returns how many postbacks answered OK at or after {@code
   * durableBefore} (a System.nanoTime) are missing. Every postback answered OK before it must be
   * stored.
   */
  int check(ConversionServiceGrpc.ConversionServiceBlockingStub conversions, long durableBefore) {
    List<Attempt> attempts = attempts();
    assertThat(attempts).as("every answer").allSatisfy(a -> {
      if (!a.ok()) {
        assertThat(a.code()).as("postback %d", a.postback()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(a.reason()).as("postback %d", a.postback())
            .isIn(ErrorReason.ERROR_REASON_STORE_UNAVAILABLE, ErrorReason.ERROR_REASON_STORE_TIMEOUT);
      }
    });
    Map<Integer, Attempt> finals = finalAnswers();
    assertThat(finals.values()).as("every postback ends OK after retries").allMatch(Attempt::ok);

    Map<String, List<Conversion>> byTransaction = new HashMap<>();
    finals.keySet().stream().map(this::kcidOf).distinct().forEach(kcid ->
        conversions.listConversions(ListConversionsRequest.newBuilder().setKcid(kcid).setPageSize(1000).build())
            .getConversionsList()
            .forEach(c -> byTransaction.computeIfAbsent(c.getTransactionId(), t -> new ArrayList<>()).add(c)));
    assertThat(byTransaction).as("no transaction counted twice").allSatisfy((tx, list) -> assertThat(list).hasSize(1));
    assertThat(byTransaction.size()).as("no conversion that was not posted").isLessThanOrEqualTo(finals.size());

    int lost = 0;
    for (var e : finals.entrySet()) {
      List<Conversion> stored = byTransaction.get(transactionOf(e.getKey()));
      Attempt answer = e.getValue();
      if (stored == null && answer.answeredAtNanos() >= durableBefore) {
        lost++;
        continue;
      }
      assertThat(stored).as("postback %d answered %s", e.getKey(), answer).isNotNull();
      assertThat(stored.get(0).getConversionId()).as("postback %d", e.getKey()).isEqualTo(answer.conversionId());
    }
    return lost;
  }
}
