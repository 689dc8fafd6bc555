package io.kcid.client;

import static io.kcid.client.Calls.call;

import com.google.protobuf.Timestamp;
import io.kcid.proto.tracking.v1.GetStatsRequest;
import io.kcid.proto.tracking.v1.GetStatsResponse;
import io.kcid.proto.tracking.v1.ReportServiceGrpc;
import io.kcid.proto.tracking.v1.ReportServiceGrpc.ReportServiceBlockingStub;
import io.kcid.proto.tracking.v1.StatsDimension;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
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
   * One account's (or, with {@code partner_id}, every account of a partner's) clicks,
   * conversions by status, values by currency, rates and time to convert, grouped by campaign,
   * goal, sub id, hour, day or account ({@code group_by}; none: the totals only). {@code
   * start_time} is required. Test conversions are never counted.
   */
  public GetStatsResponse getStats(GetStatsRequest request) {
    return call(() -> stub.getStats(request));
  }

  /**
   * Every account of a partner over [{@code start}, {@code end}) (whole hours; a null end: now),
   * grouped by {@code groupBy}; with none, one row per account ({@code STATS_DIMENSION_ACCOUNT},
   * the row's {@code account_id}). Days are labelled in the partner's default time zone.
   * PARTNER_NOT_FOUND when there is no such partner.
   */
  public GetStatsResponse getPartnerStats(String partnerId, Instant start, Instant end, StatsDimension... groupBy) {
    GetStatsRequest.Builder request = GetStatsRequest.newBuilder()
        .setPartnerId(partnerId)
        .setStartTime(timestamp(start))
        .addAllGroupBy(groupBy.length == 0 ? List.of(StatsDimension.STATS_DIMENSION_ACCOUNT) : List.of(groupBy));
    if (end != null) {
      request.setEndTime(timestamp(end));
    }
    return getStats(request.build());
  }

  private static Timestamp timestamp(Instant instant) {
    return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
  }

  static Reports of(io.grpc.Channel channel) {
    return new Reports(ReportServiceGrpc.newBlockingStub(channel));
  }
}
