package io.kcid.server.grpc;

import io.grpc.stub.StreamObserver;
import io.kcid.proto.tracking.v1.DiagnosticsServiceGrpc;
import io.kcid.proto.tracking.v1.ExplainClickRequest;
import io.kcid.proto.tracking.v1.ExplainClickResponse;
import io.kcid.proto.tracking.v1.ListPostbacksRequest;
import io.kcid.proto.tracking.v1.ListPostbacksResponse;
import io.kcid.proto.tracking.v1.ReplayPostbacksRequest;
import io.kcid.proto.tracking.v1.ReplayPostbacksResponse;
import io.kcid.server.postbacklog.ClickExplainer;
import io.kcid.server.postbacklog.PostbackHistory;
import io.kcid.server.postbacklog.PostbackReplayer;

/** {@code kcid.tracking.v1.DiagnosticsService}: the postback log, ExplainClick and replay. */
public final class DiagnosticsGrpcService extends DiagnosticsServiceGrpc.DiagnosticsServiceImplBase {
  private final PostbackHistory history;
  private final ClickExplainer explainer;
  private final PostbackReplayer replayer;

  public DiagnosticsGrpcService(PostbackHistory history, ClickExplainer explainer, PostbackReplayer replayer) {
    this.history = history;
    this.explainer = explainer;
    this.replayer = replayer;
  }

  @Override
  public void listPostbacks(ListPostbacksRequest request, StreamObserver<ListPostbacksResponse> observer) {
    Replies.reply(observer, () -> history.list(request));
  }

  @Override
  public void explainClick(ExplainClickRequest request, StreamObserver<ExplainClickResponse> observer) {
    Replies.reply(observer, () -> explainer.explain(request));
  }

  @Override
  public void replayPostbacks(ReplayPostbacksRequest request, StreamObserver<ReplayPostbacksResponse> observer) {
    Replies.reply(observer, () -> replayer.replay(request));
  }
}
