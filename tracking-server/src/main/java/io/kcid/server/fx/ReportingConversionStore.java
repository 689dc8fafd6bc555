package io.kcid.server.fx;

import io.kcid.core.kcid.DecodedKcid;
import io.kcid.proto.tracking.v1.Conversion;
import io.kcid.proto.tracking.v1.FxState;
import io.kcid.server.store.CapMark;
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
 * reader (GetConversion, ListConversions, explain, UpdateConversionStatus' answer) sees the same
 * reporting-currency value. The first read that converts a conversion recorded while its rate was
 * missing stores the rate with it, so from then on it is as fixed as a rate stored when recorded.
 */
public final class ReportingConversionStore implements ConversionStore {
  private final ConversionStore store;
  private final ReportingValues values;

  public ReportingConversionStore(ConversionStore store, ReportingValues values) {
    this.store = store;
    this.values = values;
  }

  @Override
  public CompletionStage<RecordResult> record(RecordCommand command, CapMark cap) {
    return store.record(command, cap);
  }

  @Override
  public CompletionStage<Optional<String>> capToken(DecodedKcid kcid, long sequence) {
    return store.capToken(kcid, sequence);
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
        : converted(kcid, sequence, found.get()).thenApply(Optional::of));
  }

  @Override
  public CompletionStage<Conversion> asRead(DecodedKcid kcid, long sequence, Conversion recorded) {
    return converted(kcid, sequence, recorded);
  }

  /** The conversion as read; one just converted at read has its rate stored first. */
  private CompletionStage<Conversion> converted(DecodedKcid kcid, long sequence, Conversion read) {
    return values.atRead(read).thenCompose(shown -> {
      if (read.getFxState() != FxState.FX_STATE_RATE_MISSING || shown.getFxState() != FxState.FX_STATE_CONVERTED_AT_READ) {
        return CompletableFuture.completedFuture(shown);
      }
      Conversion fx = Conversion.newBuilder()
          .setConvertedValue(shown.getConvertedValue())
          .setFxRate(shown.getFxRate())
          .setFxRateDate(shown.getFxRateDate())
          .setFxState(FxState.FX_STATE_CONVERTED_AT_READ)
          .build();
      // Another reader may have stored a rate first: read again so every reader shows the stored one.
      return store.settleFx(kcid, sequence, fx).thenCompose(stored -> stored
          ? CompletableFuture.completedFuture(shown)
          : store.find(kcid, sequence).thenCompose(again -> again.isEmpty()
              ? CompletableFuture.completedFuture(shown)
              : values.atRead(again.get())));
    });
  }

  @Override
  public CompletionStage<List<Conversion>> listForClick(DecodedKcid kcid, long afterSequence, int limit) {
    return store.listForClick(kcid, afterSequence, limit).thenCompose(list -> {
      List<CompletableFuture<Conversion>> read = new ArrayList<>();
      list.forEach(c -> read.add(converted(kcid, ConversionStore.sequenceOf(c.getConversionId()), c).toCompletableFuture()));
      return CompletableFuture.allOf(read.toArray(CompletableFuture[]::new))
          .thenApply(x -> read.stream().map(CompletableFuture::join).toList());
    });
  }
}
