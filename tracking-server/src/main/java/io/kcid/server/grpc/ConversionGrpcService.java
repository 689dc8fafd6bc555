package io.kcid.server.grpc;

import io.grpc.stub.StreamObserver;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
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

/** {@code kcid.tracking.v1.ConversionService}. */
public final class ConversionGrpcService extends ConversionServiceGrpc.ConversionServiceImplBase {
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
        () -> Batches.perItem(request.getItemsCount(), index -> recorder.record(request.getItems(index)), (index, outcome) -> {
              RecordConversionResult.Builder result = RecordConversionResult.newBuilder().setIndex(index);
              return (outcome.value() != null ? result.setResponse(outcome.value()) : result.setError(outcome.error())).build();
            })
            .thenApply(results -> RecordConversionsResponse.newBuilder().addAllResults(results).build()));
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
        () -> Batches.perItem(request.getItemsCount(), index -> statuses.update(request.getItems(index)), (index, outcome) -> {
              UpdateConversionStatusResult.Builder result = UpdateConversionStatusResult.newBuilder().setIndex(index);
              return (outcome.value() != null ? result.setConversion(outcome.value()) : result.setError(outcome.error())).build();
            })
            .thenApply(results -> UpdateConversionStatusesResponse.newBuilder().addAllResults(results).build()));
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
