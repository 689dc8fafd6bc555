package io.kcid.server.grpc;

import com.google.rpc.ErrorInfo;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.kcid.proto.ErrorReasons;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.ItemError;
import io.kcid.server.common.GrpcErrors;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/** Per-item execution for batch RPCs: each item succeeds or fails on its own. */
final class Batches {
  private Batches() {}

  /** An item's value, or its error as the batch reports it. */
  record Outcome<T>(T value, ItemError error) {}

  static <T> CompletableFuture<Outcome<T>> each(Supplier<CompletionStage<T>> item) {
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

  static <T> CompletableFuture<List<T>> all(List<CompletableFuture<T>> items) {
    return CompletableFuture.allOf(items.toArray(CompletableFuture[]::new))
        .thenApply(x -> items.stream().map(CompletableFuture::join).toList());
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
