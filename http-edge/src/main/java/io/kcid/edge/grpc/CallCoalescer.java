package io.kcid.edge.grpc;

import io.grpc.Status;
import io.kcid.proto.GrpcLimits;
import io.kcid.edge.tracing.BatchCallSpans;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.ItemError;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.internal.ThreadExecutorMap;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the single calls that one event loop makes in one pass as one batch call ({@code
 * IssueClicks}, {@code RecordConversions}) instead of one call each. A gRPC call costs far more CPU
 * (stream, headers, deadline timer, thread hand-offs on both sides) than the item it carries, so
 * under load this is most of a request's backend cost; under light load a pass holds one request
 * and it goes alone, as a single call. The server answers each batch item exactly as a single call
 * (same reason, message and metadata for an error), so each sender gets the answer it would have
 * got alone; a failed call fails every item in it with that call's error.
 *
 * <p>A server that does not know the batch method (an older one, during a rolling upgrade) answers
 * UNIMPLEMENTED: that batch's items are then sent alone, and so is everything for the next minute;
 * then batches are tried again, so an upgrade that completes needs no edge restart.
 *
 * <p>Tracing: each item's context is kept as it is queued, since the batch is sent later from a
 * task of its own; a batch of one is sent in its item's context, a larger one as {@link
 * BatchCallSpans} says.
 *
 * @param <Q> one item's request
 * @param <A> one item's response
 * @param <B> the batch call's response
 */
public final class CallCoalescer<Q extends com.google.protobuf.MessageLite, A, B> {
  private static final Logger log = LoggerFactory.getLogger(CallCoalescer.class);
  /** The tracking-server's batch limit. */
  public static final int MAX_ITEMS = 100;
  /** Room left under the server's inbound message limit for the batch's own framing. */
  private static final int MAX_BYTES = GrpcLimits.MAX_MESSAGE_BYTES - 4096;
  /** A repeated field's tag and length prefix, at most. */
  private static final int ITEM_OVERHEAD = 6;

  /** One item's answer in a batch response: its index and either its response or its error. */
  public record ItemResult<A>(int index, A response, ItemError error) {}

  /** The two calls a coalescer makes; each sets its own deadline as it starts. */
  public interface Backend<Q, A, B> {
    /** Starts the single call for one item. */
    void sendOne(Q request, CompletableFuture<A> answer);

    /** Starts the batch call for {@code items}, counting {@code items.size()} against the in-flight bound. */
    void sendBatch(List<Q> items, CompletableFuture<B> answer);

    /** The batch response's per-item results. */
    List<ItemResult<A>> results(B response);
  }

  /** The backend's answer for one item of a batch call was an error (or missing). */
  public static final class ItemFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient ItemError error;

    ItemFailedException(ItemError error) {
      super(error.getMessage(), null, false, false);
      this.error = error;
    }

    public ItemError error() {
      return error;
    }
  }

  private final class Batch {
    final List<Q> items = new ArrayList<>();
    final List<CompletableFuture<A>> answers = new ArrayList<>();
    /** The trace context each item was queued in (the root context when tracing is off). */
    final List<Context> contexts = new ArrayList<>();
    int bytes;
  }

  private final Backend<Q, A, B> backend;
  private final String batchMethod;
  private final int maxItems;
  private final BatchCallSpans spans;
  /** How long items go alone after a server did not know the batch method. */
  static final Duration SINGLE_CALLS_AFTER_REFUSAL = Duration.ofMinutes(1);

  private final LongSupplier nanoClock;
  /** {@link #nanoClock} time until which items go alone (in the past until a server refuses a batch). */
  private volatile long singleCallsUntil;
  /** One open batch per event loop: only that loop's thread touches it, so no locking. */
  private final FastThreadLocal<Batch> open =
      new FastThreadLocal<>() {
        @Override
        protected Batch initialValue() {
          return new Batch();
        }
      };

  /**
   * @param batchMethod the batch call's method name, for logs and its span ("IssueClicks")
   * @param maxInFlight the edge's in-flight bound: a batch counts once per item against it, so it never holds more
   */
  public CallCoalescer(Backend<Q, A, B> backend, String batchMethod, int maxInFlight, BatchCallSpans spans) {
    this(backend, batchMethod, maxInFlight, spans, System::nanoTime);
  }

  CallCoalescer(Backend<Q, A, B> backend, String batchMethod, int maxInFlight, BatchCallSpans spans, LongSupplier nanoClock) {
    this.nanoClock = nanoClock;
    this.singleCallsUntil = nanoClock.getAsLong();
    this.backend = backend;
    this.batchMethod = batchMethod;
    this.spans = spans;
    this.maxItems = Math.max(1, Math.min(MAX_ITEMS, maxInFlight));
  }

  /**
   * Sends one item. On an event loop it joins the loop's open batch, sent when the loop has
   * finished its current pass over ready connections (so it waits for no timer); elsewhere it is
   * sent at once. Fails with the call's error, or with {@link ItemFailedException} for the item's.
   */
  public CompletableFuture<A> send(Q request) {
    CompletableFuture<A> answer = new CompletableFuture<>();
    EventExecutor loop = ThreadExecutorMap.currentExecutor();
    if (loop == null || !loop.inEventLoop()) {
      backend.sendOne(request, answer);
      return answer;
    }
    Batch batch = open.get();
    int size = request.getSerializedSize() + ITEM_OVERHEAD;
    if (!batch.items.isEmpty() && (batch.items.size() >= maxItems || batch.bytes + size > MAX_BYTES)) {
      flush(batch);
    }
    if (batch.items.isEmpty()) {
      // Runs after the loop's pending I/O: every item queued meanwhile joins this batch.
      loop.execute(() -> flush(batch));
    }
    batch.items.add(request);
    batch.answers.add(answer);
    batch.contexts.add(Context.current());
    batch.bytes += size;
    return answer;
  }

  private void flush(Batch batch) {
    if (batch.items.isEmpty()) {
      return;
    }
    List<Q> items = List.copyOf(batch.items);
    List<CompletableFuture<A>> answers = List.copyOf(batch.answers);
    List<Context> contexts = List.copyOf(batch.contexts);
    batch.items.clear();
    batch.answers.clear();
    batch.contexts.clear();
    batch.bytes = 0;
    if (items.size() == 1 || singleCallsNow()) {
      sendAlone(items, answers, contexts);
      return;
    }
    CompletableFuture<B> call = new CompletableFuture<>();
    BatchCallSpans.Started traced = spans.start(contexts, batchMethod);
    try (Scope ignored = traced.context().makeCurrent()) {
      backend.sendBatch(items, call);
    }
    call.whenComplete((response, failure) -> {
      traced.end(failure);
      if (failure != null && Status.fromThrowable(failure).getCode() == Status.Code.UNIMPLEMENTED) {
        if (!singleCallsNow()) {
          log.warn("the tracking-server does not know {} (an older server?): sending each item alone for {}",
              batchMethod, SINGLE_CALLS_AFTER_REFUSAL);
        }
        singleCallsUntil = nanoClock.getAsLong() + SINGLE_CALLS_AFTER_REFUSAL.toNanos();
        sendAlone(items, answers, contexts);
        return;
      }
      deliver(answers, response, failure);
    });
  }

  /** Whether a server refused a batch less than {@link #SINGLE_CALLS_AFTER_REFUSAL} ago: checked once per pass. */
  private boolean singleCallsNow() {
    return nanoClock.getAsLong() - singleCallsUntil < 0;
  }

  private void sendAlone(List<Q> items, List<CompletableFuture<A>> answers, List<Context> contexts) {
    for (int i = 0; i < items.size(); i++) {
      try (Scope ignored = contexts.get(i).makeCurrent()) {
        backend.sendOne(items.get(i), answers.get(i));
      }
    }
  }

  private void deliver(List<CompletableFuture<A>> answers, B response, Throwable failure) {
    if (failure != null) {
      answers.forEach(answer -> answer.completeExceptionally(failure));
      return;
    }
    for (ItemResult<A> result : backend.results(response)) {
      int index = result.index();
      if (index < 0 || index >= answers.size() || answers.get(index).isDone()) {
        log.error("tracking-server answered {} with an out-of-range or repeated index ({} of {} items)",
            batchMethod, index, answers.size());
        continue;
      }
      if (result.response() != null) {
        answers.get(index).complete(result.response());
      } else if (result.error() != null) {
        answers.get(index).completeExceptionally(new ItemFailedException(result.error()));
      } else {
        log.error("tracking-server answered a {} item without a response or an error", batchMethod);
        answers.get(index).completeExceptionally(new ItemFailedException(internal()));
      }
    }
    for (int index = 0; index < answers.size(); index++) {
      if (!answers.get(index).isDone()) {
        log.error("tracking-server answered {} without a result for item {} of {}", batchMethod, index, answers.size());
        answers.get(index).completeExceptionally(new ItemFailedException(internal()));
      }
    }
  }

  private static ItemError internal() {
    return ItemError.newBuilder()
        .setReason(ErrorReason.ERROR_REASON_INTERNAL)
        .setMessage("The tracking backend did not answer for this request; it has been logged.")
        .build();
  }
}
