package io.kcid.server.grpc;

import io.grpc.stub.StreamObserver;
import io.kcid.proto.tracking.v1.GetStatsRequest;
import io.kcid.proto.tracking.v1.GetStatsResponse;
import io.kcid.proto.tracking.v1.ReportServiceGrpc;
import io.kcid.server.report.Reports;

/** {@code kcid.tracking.v1.ReportService}. */
public final class ReportGrpcService extends ReportServiceGrpc.ReportServiceImplBase {
  private final Reports reports;

  public ReportGrpcService(Reports reports) {
    this.reports = reports;
  }

  @Override
  public void getStats(GetStatsRequest request, StreamObserver<GetStatsResponse> observer) {
    Replies.reply(observer, () -> reports.getStats(request));
  }
}
