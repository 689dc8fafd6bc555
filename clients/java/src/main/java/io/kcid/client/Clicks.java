package io.kcid.client;

import static io.kcid.client.Calls.call;

import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.ClickServiceGrpc.ClickServiceBlockingStub;
import io.kcid.proto.tracking.v1.DeleteClickRequest;
import io.kcid.proto.tracking.v1.DeleteClickResponse;
import io.kcid.proto.tracking.v1.GetClickRequest;
import io.kcid.proto.tracking.v1.GetClickResponse;
import io.kcid.proto.tracking.v1.InspectKcidRequest;
import io.kcid.proto.tracking.v1.InspectKcidResponse;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.IssueClickResponse;
import io.kcid.proto.tracking.v1.IssueClicksRequest;
import io.kcid.proto.tracking.v1.IssueClicksResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * {@code kcid.tracking.v1.ClickService}: the generated blocking stub, with every failure thrown as
 * {@link KcidException}.
 */
public final class Clicks {
  private final ClickServiceBlockingStub stub;

  Clicks(ClickServiceBlockingStub stub) {
    this.stub = stub;
  }

  /** The generated stub behind this one (throws {@code StatusRuntimeException}). */
  public ClickServiceBlockingStub stub() {
    return stub;
  }

  /** A copy whose calls get this deadline, counted from now, instead of the default. */
  public Clicks withDeadline(Duration deadline) {
    return new Clicks(stub.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS));
  }

  /** Mints a click and its kcid (a server-to-server click, e.g. from an ad server). */
  public IssueClickResponse issueClick(IssueClickRequest request) {
    return call(() -> stub.issueClick(request));
  }

  /**
   * Mints up to 100 clicks in one call; each result (by index) is the item's response or its
   * error, as {@link #issueClick} would have answered it.
   */
  public IssueClicksResponse issueClicks(IssueClicksRequest request) {
    return call(() -> stub.issueClicks(request));
  }

  public GetClickResponse getClick(GetClickRequest request) {
    return call(() -> stub.getClick(request));
  }

  public InspectKcidResponse inspectKcid(InspectKcidRequest request) {
    return call(() -> stub.inspectKcid(request));
  }

  /**
   * Deletes a click with its conversions, histories and dedupe state (privacy erasure). Needs the
   * {@code admin} role.
   */
  public DeleteClickResponse deleteClick(DeleteClickRequest request) {
    return call(() -> stub.deleteClick(request));
  }

  static Clicks of(io.grpc.Channel channel) {
    return new Clicks(ClickServiceGrpc.newBlockingStub(channel));
  }
}
