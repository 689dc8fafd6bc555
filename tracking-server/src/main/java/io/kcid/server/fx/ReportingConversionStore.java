package io.kcid.server.fx;

import io.kcid.core.kcid.DecodedKcid;
import io.kcid.proto.tracking.v1.Conversion;
import io.kcid.server.store.ConversionStore;
import io.kcid.server.store.RecordCommand;
import io.kcid.server.store.RecordResult;
import io.kcid.server.store.StatusUpdate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A conversion store whose reads show converted values ({@link ReportingValues#atRead}): every
 * reader (GetConversion, ListConversions, explain) sees the same reporting-currency value.
 */
public final class ReportingConversionStore implements ConversionStore {
  private final ConversionStore store;
  private final ReportingValues values;

  public ReportingConversionStore(ConversionStore store, ReportingValues values) {
    this.store = store;
    this.values = values;
  }

  @Override
  public CompletionStage<RecordResult> record(RecordCommand command) {
    return store.record(command);
  }

  @Override
  public CompletionStage<RecordResult> evaluate(RecordCommand command) {
    return store.evaluate(command);
  }

  @Override
  public CompletionStage<StatusUpdate.Result> updateStatus(StatusUpdate update) {
    return store.updateStatus(update);
  }

  @Override
  public CompletionStage<Optional<Long>> findByTransaction(DecodedKcid kcid, String transactionId) {
    return store.findByTransaction(kcid, transactionId);
  }

  @Override
  public CompletionStage<Optional<Conversion>> find(DecodedKcid kcid, long sequence) {
    return store.find(kcid, sequence).thenCompose(found -> found.isEmpty()
        ? CompletableFuture.completedFuture(found)
        : values.atRead(found.get()).thenApply(Optional::of));
  }

  @Override
  public CompletionStage<List<Conversion>> listForClick(DecodedKcid kcid, long afterSequence, int limit) {
    return store.listForClick(kcid, afterSequence, limit).thenCompose(list -> {
      List<CompletableFuture<Conversion>> read = new ArrayList<>();
      list.forEach(c -> read.add(values.atRead(c).toCompletableFuture()));
      return CompletableFuture.allOf(read.toArray(CompletableFuture[]::new))
          .thenApply(x -> read.stream().map(CompletableFuture::join).toList());
    });
  }
}
