package io.kcid.edge.postback;

import io.kcid.edge.grpc.CallCoalescer;
import io.kcid.edge.grpc.UnaryCalls;
import io.kcid.edge.limit.InFlightLimiter;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.proto.tracking.v1.RecordConversionResponse;
import io.kcid.proto.tracking.v1.RecordConversionResult;
import io.kcid.proto.tracking.v1.RecordConversionsRequest;
import io.kcid.proto.tracking.v1.RecordConversionsResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** RecordConversion alone and RecordConversions for a coalesced batch, each with the edge's call deadline. */
record PostbackCalls(ConversionServiceGrpc.ConversionServiceStub stub, Duration deadline)
    implements CallCoalescer.Backend<RecordConversionRequest, RecordConversionResponse, RecordConversionsResponse> {
  @Override
  public void sendOne(RecordConversionRequest request, CompletableFuture<RecordConversionResponse> answer) {
    stub.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS).recordConversion(request, UnaryCalls.completing(answer));
  }

  @Override
  public void sendBatch(List<RecordConversionRequest> items, CompletableFuture<RecordConversionsResponse> answer) {
    stub.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS)
        .withOption(InFlightLimiter.WEIGHT, items.size())
        .recordConversions(RecordConversionsRequest.newBuilder().addAllItems(items).build(), UnaryCalls.completing(answer));
  }

  @Override
  public List<CallCoalescer.ItemResult<RecordConversionResponse>> results(RecordConversionsResponse response) {
    List<CallCoalescer.ItemResult<RecordConversionResponse>> results = new ArrayList<>(response.getResultsCount());
    for (RecordConversionResult result : response.getResultsList()) {
      results.add(new CallCoalescer.ItemResult<>(
          result.getIndex(), result.hasResponse() ? result.getResponse() : null, result.hasError() ? result.getError() : null));
    }
    return results;
  }
}
