package io.kcid.client;

import static io.kcid.client.Calls.call;

import io.kcid.proto.tracking.v1.DiagnosticsServiceGrpc;
import io.kcid.proto.tracking.v1.DiagnosticsServiceGrpc.DiagnosticsServiceBlockingStub;
import io.kcid.proto.tracking.v1.ExplainClickRequest;
import io.kcid.proto.tracking.v1.ExplainClickResponse;
import io.kcid.proto.tracking.v1.ListPostbacksRequest;
import io.kcid.proto.tracking.v1.ListPostbacksResponse;
import io.kcid.proto.tracking.v1.ReplayPostbacksRequest;
import io.kcid.proto.tracking.v1.ReplayPostbacksResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * {@code kcid.tracking.v1.DiagnosticsService}: "why is my conversion not showing up?" — the postback
 * log, the explanation of one kcid and the replay of rejected postbacks; the generated blocking stub
 * with every failure thrown as {@link KcidException}.
 */
public final class Diagnostics {
  private final DiagnosticsServiceBlockingStub stub;

  Diagnostics(DiagnosticsServiceBlockingStub stub) {
    this.stub = stub;
  }

  /** The generated stub behind this one (throws {@code StatusRuntimeException}). */
  public DiagnosticsServiceBlockingStub stub() {
    return stub;
  }

  /** A copy whose calls get this deadline, counted from now, instead of the default. */
  public Diagnostics withDeadline(Duration deadline) {
    return new Diagnostics(stub.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS));
  }

  /**
   * The postbacks an account received (accepted, duplicate or rejected), newest first, filtered by
   * time, kcid, outcome or reason; page with {@code next_page_token} until it is empty.
   */
  public ListPostbacksResponse listPostbacks(ListPostbacksRequest request) {
    return call(() -> stub.listPostbacks(request));
  }

  /**
   * Everything known about one kcid: its diagnosis, the stored click (or why it is missing), its
   * conversions with their history and every logged postback attempt. Works for a malformed kcid.
   */
  public ExplainClickResponse explainClick(ExplainClickRequest request) {
    return call(() -> stub.explainClick(request));
  }

  /**
   * Re-runs rejected postbacks of the log (by {@code log_ids}, or a time range) as the account,
   * once its setup is fixed; {@code dry_run} writes nothing. Replaying twice counts once.
   */
  public ReplayPostbacksResponse replayPostbacks(ReplayPostbacksRequest request) {
    return call(() -> stub.replayPostbacks(request));
  }

  static Diagnostics of(io.grpc.Channel channel) {
    return new Diagnostics(DiagnosticsServiceGrpc.newBlockingStub(channel));
  }
}
