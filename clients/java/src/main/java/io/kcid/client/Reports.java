package io.kcid.client;

import static io.kcid.client.Calls.call;

import io.kcid.proto.tracking.v1.GetStatsRequest;
import io.kcid.proto.tracking.v1.GetStatsResponse;
import io.kcid.proto.tracking.v1.ReportServiceGrpc;
import io.kcid.proto.tracking.v1.ReportServiceGrpc.ReportServiceBlockingStub;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * {@code kcid.tracking.v1.ReportService}: conversion statistics, the generated blocking stub with
 * every failure thrown as {@link KcidException}. Needs an API key with the {@code read} role.
 */
public final class Reports {
  private final ReportServiceBlockingStub stub;

  Reports(ReportServiceBlockingStub stub) {
    this.stub = stub;
  }

  /** The generated stub behind this one (throws {@code StatusRuntimeException}). */
  public ReportServiceBlockingStub stub() {
    return stub;
  }

  /** A copy whose calls get this deadline, counted from now, instead of the default. */
  public Reports withDeadline(Duration deadline) {
    return new Reports(stub.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS));
  }

  /**
   * One account's clicks, conversions by status, values by currency, rates and time to convert,
   * grouped by campaign, goal, sub id, hour or day ({@code group_by}; none: the totals only).
   * {@code start_time} is required. Test conversions are never counted.
   */
  public GetStatsResponse getStats(GetStatsRequest request) {
    return call(() -> stub.getStats(request));
  }

  static Reports of(io.grpc.Channel channel) {
    return new Reports(ReportServiceGrpc.newBlockingStub(channel));
  }
}
