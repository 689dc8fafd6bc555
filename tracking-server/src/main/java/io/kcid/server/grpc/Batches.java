package io.kcid.server.grpc;

import com.google.rpc.ErrorInfo;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.kcid.core.KcidException;
import io.kcid.proto.ErrorReasons;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.ItemError;
import io.kcid.server.common.Futures;
import io.kcid.server.common.GrpcErrors;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/** Per-item execution for batch RPCs: each item succeeds or fails on its own. */
final class Batches {
  /** Largest batch of IssueClicks, RecordConversions and UpdateConversionStatuses. */
  public static final int MAX_BATCH = 100;

  private Batches() {}

  /** Refuses an empty batch and one over {@link #MAX_BATCH}, as the whole call's error. */
  static void checkSize(int size) {
    if (size == 0) {
      throw new KcidException(ErrorReason.ERROR_REASON_MISSING_PARAMETER, "items is empty", Map.of("field", "items"));
    }
    if (size > MAX_BATCH) {
      throw new KcidException(
          ErrorReason.ERROR_REASON_BATCH_TOO_LARGE,
          "A batch holds at most " + MAX_BATCH + " items; this one has " + size + ". Split it.",
          Map.of("field", "items"));
    }
  }

  /** An item's value, or its error as the batch reports it. */
  record Outcome<T>(T value, ItemError error) {}

  /**
   * Runs a batch RPC's {@code count} items concurrently, each on its own ({@link #each}), after
   * {@link #checkSize}; {@code result} turns an item's index and outcome into its result message.
   */
  static <T, R> CompletableFuture<List<R>> perItem(
      int count, IntFunction<CompletionStage<T>> item, BiFunction<Integer, Outcome<T>, R> result) {
    checkSize(count);
    List<CompletableFuture<R>> results = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      int index = i;
      results.add(each(() -> item.apply(index)).thenApply(outcome -> result.apply(index, outcome)));
    }
    return Futures.all(results);
  }

  private static <T> CompletableFuture<Outcome<T>> each(Supplier<CompletionStage<T>> item) {
    CompletionStage<T> stage;
    try {
      stage = item.get();
    } catch (RuntimeException e) {
      stage = CompletableFuture.failedFuture(e);
    }
    return stage
        .handle((value, failure) -> failure == null
            ? new Outcome<T>(value, null)
            : new Outcome<T>(null, itemError(failure)))
        .toCompletableFuture();
  }

  /** The same mapping as a single call's error (GrpcErrors), flattened into the item. */
  private static ItemError itemError(Throwable failure) {
    StatusRuntimeException status = GrpcErrors.toStatus(failure);
    com.google.rpc.Status rpc = StatusProto.fromThrowable(status);
    ItemError.Builder error = ItemError.newBuilder().setMessage(rpc == null ? "" : rpc.getMessage());
    if (rpc != null) {
      for (var detail : rpc.getDetailsList()) {
        if (detail.is(ErrorInfo.class)) {
          try {
            ErrorInfo info = detail.unpack(ErrorInfo.class);
            error.setReason(ErrorReasons.fromShortName(info.getReason())).putAllMetadata(info.getMetadataMap());
          } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            error.setReason(ErrorReason.ERROR_REASON_INTERNAL);
          }
        }
      }
    }
    return error.build();
  }
}
