package io.kcid.edge.click;

import io.kcid.edge.grpc.BackendFailure;
import io.kcid.edge.grpc.BackendErrors;
import io.kcid.edge.grpc.UnaryCalls;
import io.kcid.edge.http.EdgeResponse;
import io.kcid.edge.http.QueryParams;
import io.kcid.edge.http.Responses;
import io.kcid.edge.http.RouteHandler;
import io.kcid.edge.metrics.EdgeMetrics;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.IssueClickResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code GET /c}: issues the click through the backend and redirects to the URL it returns. */
public final class ClickHandler implements RouteHandler {
  private static final Logger log = LoggerFactory.getLogger(ClickHandler.class);

  private final ClickServiceGrpc.ClickServiceStub stub;
  private final Duration deadline;
  private final Responses responses;
  private final EdgeMetrics metrics;

  public ClickHandler(ClickServiceGrpc.ClickServiceStub stub, Duration deadline, Responses responses, EdgeMetrics metrics) {
    this.stub = stub;
    this.deadline = deadline;
    this.responses = responses;
    this.metrics = metrics;
  }

  @Override
  public CompletableFuture<EdgeResponse> handle(FullHttpRequest request) {
    IssueClickRequest click = ClickRequestParser.parse(QueryParams.parameters(QueryParams.uri(request.uri())));
    CompletableFuture<IssueClickResponse> call = new CompletableFuture<>();
    stub.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS).issueClick(click, UnaryCalls.completing(call));
    return call.handle(
        (issued, failure) -> failure == null ? redirect(issued) : backendFailed(failure));
  }

  private EdgeResponse redirect(IssueClickResponse issued) {
    return RedirectGuard.safeLocation(issued.getRedirectUrl())
        .map(Responses::redirect)
        .orElseGet(
            () -> {
              // A server bug; the URL itself is not logged: it is exactly the kind of value that breaks log lines.
              log.error(
                  "tracking-server returned an unsafe or empty redirect_url ({} chars); refusing to redirect",
                  issued.getRedirectUrl().length());
              return responses.rejected(
                  ErrorReason.ERROR_REASON_INTERNAL,
                  "The click could not be redirected because of a server error; it has been logged.");
            });
  }

  private EdgeResponse backendFailed(Throwable failure) {
    BackendFailure mapped = BackendErrors.classify(failure);
    metrics.backendError(mapped.code());
    return responses.rejected(mapped.reason(), mapped.message(), mapped.conversionId());
  }
}
