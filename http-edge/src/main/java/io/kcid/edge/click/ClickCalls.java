package io.kcid.edge.click;

import io.kcid.edge.grpc.CallCoalescer;
import io.kcid.edge.grpc.UnaryCalls;
import io.kcid.edge.limit.InFlightLimiter;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.IssueClickResponse;
import io.kcid.proto.tracking.v1.IssueClickResult;
import io.kcid.proto.tracking.v1.IssueClicksRequest;
import io.kcid.proto.tracking.v1.IssueClicksResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** IssueClick alone and IssueClicks for a coalesced batch, each with the click deadline. */
record ClickCalls(ClickServiceGrpc.ClickServiceStub stub, Duration deadline)
    implements CallCoalescer.Backend<IssueClickRequest, IssueClickResponse, IssueClicksResponse> {
  @Override
  public void sendOne(IssueClickRequest request, CompletableFuture<IssueClickResponse> answer) {
    stub.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS).issueClick(request, UnaryCalls.completing(answer));
  }

  @Override
  public void sendBatch(List<IssueClickRequest> items, CompletableFuture<IssueClicksResponse> answer) {
    stub.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS)
        .withOption(InFlightLimiter.WEIGHT, items.size())
        .issueClicks(IssueClicksRequest.newBuilder().addAllItems(items).build(), UnaryCalls.completing(answer));
  }

  @Override
  public List<CallCoalescer.ItemResult<IssueClickResponse>> results(IssueClicksResponse response) {
    List<CallCoalescer.ItemResult<IssueClickResponse>> results = new ArrayList<>(response.getResultsCount());
    for (IssueClickResult result : response.getResultsList()) {
      results.add(new CallCoalescer.ItemResult<>(
          result.getIndex(), result.hasResponse() ? result.getResponse() : null, result.hasError() ? result.getError() : null));
    }
    return results;
  }
}
