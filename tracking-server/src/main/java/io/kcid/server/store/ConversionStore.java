package io.kcid.server.store;

import io.kcid.core.kcid.DecodedKcid;
import io.kcid.proto.tracking.v1.Conversion;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Where conversions are matched and recorded. Implementations never block the caller. */
public interface ConversionStore {

  /**
   * The n of a conversion id this server made ({@code <kcid>-<n>}, see {@code ConversionId}), its
   * kcid already known: how the store addresses a click's n-th conversion.
   */
  static long sequenceOf(String conversionId) {
    return Long.parseLong(conversionId.substring(conversionId.lastIndexOf('-') + 1));
  }


  /**
   * Checks the click, applies the counting rule, claims the dedupe key and writes the conversion
   * in one atomic step. A failure of the returned stage means the outcome is unknown.
   */
  default CompletionStage<RecordResult> record(RecordCommand command) {
    return record(command, CapMark.NONE);
  }

  /** As {@link #record(RecordCommand)}, keeping what the conversion's cap check decided. */
  CompletionStage<RecordResult> record(RecordCommand command, CapMark cap);

  /**
   * The cap reservation token a conversion was recorded with (empty when none): whether a
   * retry's reservation is the one that counted it.
   */
  CompletionStage<Optional<String>> capToken(DecodedKcid kcid, long sequence);

  /**
   * Decides what {@link #record} would answer for this command right now, writing nothing (a
   * dry run). For a new conversion the result names the id it would get.
   */
  CompletionStage<RecordResult> evaluate(RecordCommand command);

  /** Applies a status change atomically, with its audit entry. */
  CompletionStage<StatusUpdate.Result> updateStatus(StatusUpdate update);

  /** The sequence number of the latest conversion with this transaction id on the click's goal, if any. */
  CompletionStage<java.util.Optional<Long>> findByTransaction(DecodedKcid kcid, String transactionId);

  /** The n-th conversion of a click. */
  CompletionStage<Optional<Conversion>> find(DecodedKcid kcid, long sequence);

  /**
   * A conversion just recorded (as the record step wrote it) the way {@link #find} would answer
   * it now: a store that shows reads differently (reporting-currency values) shows this the same.
   */
  default CompletionStage<Conversion> asRead(DecodedKcid kcid, long sequence, Conversion recorded) {
    return CompletableFuture.completedFuture(recorded);
  }

  /** Conversions of a click with sequence numbers above {@code afterSequence}, oldest first. */
  CompletionStage<List<Conversion>> listForClick(DecodedKcid kcid, long afterSequence, int limit);

  /**
   * Stores the reporting-currency fields of a conversion converted at read (a serialized {@link
   * Conversion} holding only them), unless it already has some or is gone; true when stored.
   */
  default CompletionStage<Boolean> settleFx(DecodedKcid kcid, long sequence, Conversion fx) {
    return CompletableFuture.completedFuture(false);
  }
}
