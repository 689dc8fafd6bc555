package io.kcid.server.grpc;

import io.grpc.stub.StreamObserver;
import io.kcid.core.KcidException;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.GetConversionRequest;
import io.kcid.proto.tracking.v1.GetConversionResponse;
import io.kcid.proto.tracking.v1.ListConversionsRequest;
import io.kcid.proto.tracking.v1.ListConversionsResponse;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.proto.tracking.v1.RecordConversionResponse;
import io.kcid.proto.tracking.v1.RecordConversionResult;
import io.kcid.proto.tracking.v1.RecordConversionsRequest;
import io.kcid.proto.tracking.v1.RecordConversionsResponse;
import io.kcid.proto.tracking.v1.UpdateConversionStatusRequest;
import io.kcid.proto.tracking.v1.UpdateConversionStatusResponse;
import io.kcid.proto.tracking.v1.UpdateConversionStatusResult;
import io.kcid.proto.tracking.v1.UpdateConversionStatusesRequest;
import io.kcid.proto.tracking.v1.UpdateConversionStatusesResponse;
import io.kcid.server.conversion.ConversionLookup;
import io.kcid.server.conversion.ConversionRecorder;
import io.kcid.server.conversion.StatusUpdater;
import io.kcid.server.stream.ConversionStreams;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** {@code kcid.tracking.v1.ConversionService}. */
public final class ConversionGrpcService extends ConversionServiceGrpc.ConversionServiceImplBase {
  /** Largest batch of RecordConversions and UpdateConversionStatuses. */
  public static final int MAX_BATCH = 100;

  private final ConversionRecorder recorder;
  private final StatusUpdater statuses;
  private final ConversionLookup lookup;
  private final ConversionStreams streams;

  public ConversionGrpcService(
      ConversionRecorder recorder,
      StatusUpdater statuses,
      ConversionLookup lookup,
      ConversionStreams streams) {
    this.recorder = recorder;
    this.statuses = statuses;
    this.lookup = lookup;
    this.streams = streams;
  }

  @Override
  public void streamConversions(
      io.kcid.proto.tracking.v1.StreamConversionsRequest request,
      StreamObserver<io.kcid.proto.tracking.v1.StreamConversionsResponse> observer) {
    streams.stream(request, observer);
  }

  @Override
  public void ackConversionEvents(
      io.kcid.proto.tracking.v1.AckConversionEventsRequest request,
      StreamObserver<io.kcid.proto.tracking.v1.AckConversionEventsResponse> observer) {
    Replies.reply(observer, () -> streams.ack(request));
  }

  @Override
  public void recordConversions(
      RecordConversionsRequest request, StreamObserver<RecordConversionsResponse> observer) {
    Replies.reply(
        observer,
        () -> {
          checkBatch(request.getItemsCount());
          List<CompletableFuture<RecordConversionResult>> results = new ArrayList<>();
          for (int i = 0; i < request.getItemsCount(); i++) {
            int index = i;
            results.add(
                Batches.each(() -> recorder.record(request.getItems(index)))
                    .thenApply(
                        outcome ->
                            outcome.value() != null
                                ? RecordConversionResult.newBuilder().setIndex(index).setResponse(outcome.value()).build()
                                : RecordConversionResult.newBuilder().setIndex(index).setError(outcome.error()).build()));
          }
          return Batches.all(results)
              .thenApply(list -> RecordConversionsResponse.newBuilder().addAllResults(list).build());
        });
  }

  @Override
  public void updateConversionStatus(
      UpdateConversionStatusRequest request, StreamObserver<UpdateConversionStatusResponse> observer) {
    Replies.reply(
        observer,
        () -> statuses.update(request)
            .thenApply(c -> UpdateConversionStatusResponse.newBuilder().setConversion(c).build()));
  }

  @Override
  public void updateConversionStatuses(
      UpdateConversionStatusesRequest request, StreamObserver<UpdateConversionStatusesResponse> observer) {
    Replies.reply(
        observer,
        () -> {
          checkBatch(request.getItemsCount());
          List<CompletableFuture<UpdateConversionStatusResult>> results = new ArrayList<>();
          for (int i = 0; i < request.getItemsCount(); i++) {
            int index = i;
            results.add(
                Batches.each(() -> statuses.update(request.getItems(index)))
                    .thenApply(
                        outcome ->
                            outcome.value() != null
                                ? UpdateConversionStatusResult.newBuilder().setIndex(index).setConversion(outcome.value()).build()
                                : UpdateConversionStatusResult.newBuilder().setIndex(index).setError(outcome.error()).build()));
          }
          return Batches.all(results)
              .thenApply(list -> UpdateConversionStatusesResponse.newBuilder().addAllResults(list).build());
        });
  }

  private static void checkBatch(int size) {
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

  @Override
  public void recordConversion(
      RecordConversionRequest request, StreamObserver<RecordConversionResponse> observer) {
    Replies.reply(observer, () -> recorder.record(request));
  }

  @Override
  public void getConversion(
      GetConversionRequest request, StreamObserver<GetConversionResponse> observer) {
    Replies.reply(
        observer,
        () -> lookup.get(request.getConversionId())
            .thenApply(c -> GetConversionResponse.newBuilder().setConversion(c).build()));
  }

  @Override
  public void listConversions(
      ListConversionsRequest request, StreamObserver<ListConversionsResponse> observer) {
    Replies.reply(observer, () -> lookup.page(request));
  }
}
