package io.kcid.server.grpc;

import io.grpc.stub.StreamObserver;
import io.kcid.core.kcid.KcidCodec;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.DeleteClickRequest;
import io.kcid.proto.tracking.v1.DeleteClickResponse;
import io.kcid.proto.tracking.v1.GetClickRequest;
import io.kcid.proto.tracking.v1.GetClickResponse;
import io.kcid.proto.tracking.v1.InspectKcidRequest;
import io.kcid.proto.tracking.v1.InspectKcidResponse;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.IssueClickResponse;
import io.kcid.proto.tracking.v1.IssueClickResult;
import io.kcid.proto.tracking.v1.IssueClicksRequest;
import io.kcid.proto.tracking.v1.IssueClicksResponse;
import io.kcid.proto.tracking.v1.ListClickVerifiersRequest;
import io.kcid.proto.tracking.v1.ListClickVerifiersResponse;
import io.kcid.proto.tracking.v1.WatchClickVerifiersRequest;
import io.kcid.proto.tracking.v1.WatchClickVerifiersResponse;
import io.kcid.server.click.ClickEraser;
import io.kcid.server.click.ClickIssuer;
import io.kcid.server.click.ClickLookup;
import io.kcid.server.click.ClickVerifierListing;
import io.kcid.server.click.ClickVerifierWatch;
import io.kcid.server.click.KcidInspection;
import java.util.concurrent.CompletableFuture;

/** {@code kcid.tracking.v1.ClickService}. */
public final class ClickGrpcService extends ClickServiceGrpc.ClickServiceImplBase {
  private final ClickIssuer issuer;
  private final ClickLookup lookup;
  private final KcidCodec codec;
  private final ClickEraser eraser;
  private final ClickVerifierListing verifiers;
  private final ClickVerifierWatch watch;

  public ClickGrpcService(
      ClickIssuer issuer, ClickLookup lookup, KcidCodec codec, ClickEraser eraser, ClickVerifierListing verifiers,
      ClickVerifierWatch watch) {
    this.issuer = issuer;
    this.lookup = lookup;
    this.codec = codec;
    this.eraser = eraser;
    this.verifiers = verifiers;
    this.watch = watch;
  }

  @Override
  public void watchClickVerifiers(
      WatchClickVerifiersRequest request, StreamObserver<WatchClickVerifiersResponse> observer) {
    watch.watch(request, observer);
  }

  @Override
  public void deleteClick(DeleteClickRequest request, StreamObserver<DeleteClickResponse> observer) {
    Replies.reply(observer, () -> eraser.delete(request.getKcid()));
  }

  @Override
  public void listClickVerifiers(
      ListClickVerifiersRequest request, StreamObserver<ListClickVerifiersResponse> observer) {
    Replies.reply(observer, () -> verifiers.page(request));
  }

  @Override
  public void issueClick(IssueClickRequest request, StreamObserver<IssueClickResponse> observer) {
    Replies.reply(observer, () -> issuer.issue(request));
  }

  /** Each item is issued exactly as its own IssueClick (request id, signature, rules, store batches). */
  @Override
  public void issueClicks(IssueClicksRequest request, StreamObserver<IssueClicksResponse> observer) {
    Replies.reply(
        observer,
        () -> Batches.perItem(request.getItemsCount(), index -> issuer.issue(request.getItems(index)), (index, outcome) -> {
              IssueClickResult.Builder result = IssueClickResult.newBuilder().setIndex(index);
              return (outcome.value() != null ? result.setResponse(outcome.value()) : result.setError(outcome.error())).build();
            })
            .thenApply(results -> IssueClicksResponse.newBuilder().addAllResults(results).build()));
  }

  @Override
  public void getClick(GetClickRequest request, StreamObserver<GetClickResponse> observer) {
    Replies.reply(
        observer,
        () -> lookup.get(request.getKcid()).thenApply(click -> GetClickResponse.newBuilder().setClick(click).build()));
  }

  @Override
  public void inspectKcid(
      InspectKcidRequest request, StreamObserver<InspectKcidResponse> observer) {
    Replies.reply(
        observer, () -> CompletableFuture.completedFuture(KcidInspection.inspect(codec, request.getKcid())));
  }
}
