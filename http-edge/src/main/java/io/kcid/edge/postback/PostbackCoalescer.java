package io.kcid.edge.postback;

import io.kcid.edge.grpc.UnaryCalls;
import io.kcid.edge.limit.InFlightLimiter;
import io.kcid.edge.tracing.BatchCallSpans;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.ItemError;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.proto.tracking.v1.RecordConversionResponse;
import io.kcid.proto.tracking.v1.RecordConversionResult;
import io.kcid.proto.tracking.v1.RecordConversionsRequest;
import io.kcid.proto.tracking.v1.RecordConversionsResponse;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.internal.ThreadExecutorMap;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the single postbacks that one event loop reads in one pass as one {@code RecordConversions}
 * call instead of one {@code RecordConversion} each. A gRPC call costs far more CPU (stream, headers,
 * deadline timer, thread hand-offs on both sides) than the item it carries, so under load this is
 * most of a postback's backend cost; under light load a pass holds one postback and it goes alone,
 * exactly as before. The server records each batch item exactly as a single call (its own
 * credentials, request id, rules) and reports an item's error with the same reason, message and
 * metadata, so each sender gets the answer it would have got alone; a failed call fails every
 * postback in it with that call's error.
 *
 * <p>Tracing: each postback's context is kept as it is queued, since the batch is sent later from a
 * task of its own; a batch of one is sent in its postback's context, a larger one as {@link
 * BatchCallSpans} says.
 */
final class PostbackCoalescer {
  private static final Logger log = LoggerFactory.getLogger(PostbackCoalescer.class);
  /** The tracking-server's batch limit. */
  static final int MAX_ITEMS = 100;
  /** Room left under the server's inbound message limit (GrpcLimits, 16 MiB) for the batch's own framing. */
  private static final int MAX_BYTES = PresentedCredentials.MAX_BACKEND_MESSAGE_BYTES - 4096;
  /** A repeated field's tag and length prefix, at most. */
  private static final int ITEM_OVERHEAD = 6;

  /** The backend's answer for one item of a coalesced call was an error (or missing). */
  static final class ItemFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient ItemError error;

    ItemFailedException(ItemError error) {
      super(error.getMessage(), null, false, false);
      this.error = error;
    }

    ItemError error() {
      return error;
    }
  }

  private static final class Batch {
    final List<RecordConversionRequest> items = new ArrayList<>();
    final List<CompletableFuture<RecordConversionResponse>> answers = new ArrayList<>();
    /** The trace context each postback was queued in (the root context when tracing is off). */
    final List<Context> contexts = new ArrayList<>();
    int bytes;
  }

  private final ConversionServiceGrpc.ConversionServiceStub stub;
  private final Duration deadline;
  private final int maxItems;
  private final BatchCallSpans spans;
  /** One open batch per event loop: only that loop's thread touches it, so no locking. */
  private final FastThreadLocal<Batch> open =
      new FastThreadLocal<>() {
        @Override
        protected Batch initialValue() {
          return new Batch();
        }
      };

  /** @param maxInFlight the edge's in-flight bound: a batch counts once per item against it, so it never holds more */
  PostbackCoalescer(ConversionServiceGrpc.ConversionServiceStub stub, Duration deadline, int maxInFlight, BatchCallSpans spans) {
    this.stub = stub;
    this.spans = spans;
    this.deadline = deadline;
    this.maxItems = Math.max(1, Math.min(MAX_ITEMS, maxInFlight));
  }

  /**
   * Records one postback. On an event loop it joins the loop's open batch, sent when the loop has
   * finished its current pass over ready connections (so it waits for no timer); elsewhere it is
   * sent at once. Fails with the call's error, or with {@link ItemFailedException} for the item's.
   */
  CompletableFuture<RecordConversionResponse> record(RecordConversionRequest request) {
    CompletableFuture<RecordConversionResponse> answer = new CompletableFuture<>();
    EventExecutor loop = ThreadExecutorMap.currentExecutor();
    if (loop == null || !loop.inEventLoop()) {
      sendOne(request, answer);
      return answer;
    }
    Batch batch = open.get();
    int size = request.getSerializedSize() + ITEM_OVERHEAD;
    if (!batch.items.isEmpty() && (batch.items.size() >= maxItems || batch.bytes + size > MAX_BYTES)) {
      flush(batch);
    }
    if (batch.items.isEmpty()) {
      // Runs after the loop's pending I/O: every postback read meanwhile joins this batch.
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
    List<RecordConversionRequest> items = List.copyOf(batch.items);
    List<CompletableFuture<RecordConversionResponse>> answers = List.copyOf(batch.answers);
    List<Context> contexts = List.copyOf(batch.contexts);
    batch.items.clear();
    batch.answers.clear();
    batch.contexts.clear();
    batch.bytes = 0;
    if (items.size() == 1) {
      try (Scope ignored = contexts.get(0).makeCurrent()) {
        sendOne(items.get(0), answers.get(0));
      }
      return;
    }
    CompletableFuture<RecordConversionsResponse> call = new CompletableFuture<>();
    BatchCallSpans.Started traced = spans.start(contexts);
    try (Scope ignored = traced.context().makeCurrent()) {
      stub.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS)
          .withOption(InFlightLimiter.WEIGHT, items.size())
          .recordConversions(RecordConversionsRequest.newBuilder().addAllItems(items).build(), UnaryCalls.completing(call));
    }
    call.whenComplete((response, failure) -> {
      traced.end(failure);
      deliver(answers, response, failure);
    });
  }

  private void sendOne(RecordConversionRequest request, CompletableFuture<RecordConversionResponse> answer) {
    stub.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS).recordConversion(request, UnaryCalls.completing(answer));
  }

  private static void deliver(
      List<CompletableFuture<RecordConversionResponse>> answers, RecordConversionsResponse response, Throwable failure) {
    if (failure != null) {
      answers.forEach(answer -> answer.completeExceptionally(failure));
      return;
    }
    for (RecordConversionResult result : response.getResultsList()) {
      int index = result.getIndex();
      if (index < 0 || index >= answers.size() || answers.get(index).isDone()) {
        log.error("tracking-server answered RecordConversions with an out-of-range or repeated index ({} of {} items)",
            index, answers.size());
        continue;
      }
      switch (result.getResultCase()) {
        case RESPONSE -> answers.get(index).complete(result.getResponse());
        case ERROR -> answers.get(index).completeExceptionally(new ItemFailedException(result.getError()));
        default -> {
          log.error("tracking-server answered a batch item without a response or an error");
          answers.get(index).completeExceptionally(new ItemFailedException(internal()));
        }
      }
    }
    for (int index = 0; index < answers.size(); index++) {
      if (!answers.get(index).isDone()) {
        log.error("tracking-server answered RecordConversions without a result for item {} of {}", index, answers.size());
        answers.get(index).completeExceptionally(new ItemFailedException(internal()));
      }
    }
  }

  private static ItemError internal() {
    return ItemError.newBuilder()
        .setReason(ErrorReason.ERROR_REASON_INTERNAL)
        .setMessage("The tracking backend did not answer for this postback; it has been logged.")
        .build();
  }
}
