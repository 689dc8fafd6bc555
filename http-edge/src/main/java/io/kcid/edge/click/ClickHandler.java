package io.kcid.edge.click;

import io.kcid.edge.grpc.BackendErrors;
import io.kcid.edge.grpc.BackendFailure;
import io.kcid.edge.grpc.CallCoalescer;
import io.kcid.edge.http.EdgeResponse;
import io.kcid.edge.http.QueryParams;
import io.kcid.edge.http.Responses;
import io.kcid.edge.http.RouteHandler;
import io.kcid.edge.metrics.EdgeMetrics;
import io.kcid.edge.net.ClientIpResolver;
import io.kcid.edge.spool.DegradedClicks;
import io.kcid.edge.tracing.BatchCallSpans;
import io.kcid.proto.ErrorReasons;
import io.kcid.proto.tracking.v1.ClickServiceGrpc;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.IssueClickRequest;
import io.kcid.proto.tracking.v1.IssueClickResponse;
import io.kcid.proto.tracking.v1.IssueClicksResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /c}: issues the click through the backend and redirects to the URL it returns. With a
 * click spool ({@link DegradedClicks}) the edge mints the kcid itself and, when the backend's answer
 * is unknown within the click deadline, redirects on its own and spools the click for replay.
 */
public final class ClickHandler implements RouteHandler {
  private static final Logger log = LoggerFactory.getLogger(ClickHandler.class);
  /** Crawlers name themselves early; a longer header is cut rather than forwarded whole. */
  private static final int MAX_USER_AGENT = 512;

  private final CallCoalescer<IssueClickRequest, IssueClickResponse, IssueClicksResponse> coalescer;
  private final Responses responses;
  private final EdgeMetrics metrics;
  private final DegradedClicks degraded;
  private final ClientIpResolver clientIps;

  /**
   * @param degraded the click spool, or null: clicks then fail with 503 while the backend is away
   * @param clientIps resolves the browser's address (forwarded with its User-Agent for the server's
   *     bot rules); null forwards neither
   * @param maxInFlight the edge's bound on backend calls in progress (clicks sent together count once each)
   * @param batchSpans how a call carrying several clicks is traced
   */
  public ClickHandler(
      ClickServiceGrpc.ClickServiceStub stub, Duration deadline, Responses responses, EdgeMetrics metrics,
      DegradedClicks degraded, ClientIpResolver clientIps, int maxInFlight, BatchCallSpans batchSpans) {
    Duration clickDeadline = degraded == null || degraded.deadline().compareTo(deadline) > 0 ? deadline : degraded.deadline();
    // The clicks one event loop reads in one pass go to the server as one IssueClicks call.
    this.coalescer = new CallCoalescer<>(new ClickCalls(stub, clickDeadline), "IssueClicks", maxInFlight, batchSpans);
    this.clientIps = clientIps;
    this.responses = responses;
    this.metrics = metrics;
    this.degraded = degraded;
  }

  @Override
  public CompletableFuture<EdgeResponse> handle(FullHttpRequest request) {
    return handle(request, null);
  }

  @Override
  public CompletableFuture<EdgeResponse> handle(FullHttpRequest request, SocketAddress peer) {
    IssueClickRequest click = withClient(
        ClickRequestParser.builder(QueryParams.parameters(QueryParams.uri(request.uri()))), request, peer);
    if (degraded == null) {
      return coalescer.send(click).handle((issued, failure) -> failure == null ? redirect(issued) : backendFailed(failure));
    }
    IssueClickRequest minted = degraded.preMint(click);
    return coalescer.send(minted)
        .handle((issued, failure) -> failure == null ? CompletableFuture.completedFuture(redirect(issued)) : fallback(click, minted, failure))
        .thenCompose(response -> response);
  }

  /** The browser's User-Agent and address, for the server's bot rules only: neither is stored with the click. */
  private IssueClickRequest withClient(IssueClickRequest.Builder click, FullHttpRequest request, SocketAddress peer) {
    if (clientIps == null) {
      return click.build();
    }
    String userAgent = request.headers().get(HttpHeaderNames.USER_AGENT, "");
    return click
        .setUserAgent(userAgent.length() > MAX_USER_AGENT ? userAgent.substring(0, MAX_USER_AGENT) : userAgent)
        .setClientIp(peer == null ? "" : clientIps.resolve(peer, request.headers().getAll("X-Forwarded-For")))
        .build();
  }

  /** The backend did not store the click: redirect on our own when its answer is unknown. */
  private CompletableFuture<EdgeResponse> fallback(IssueClickRequest click, IssueClickRequest minted, Throwable failure) {
    BackendFailure mapped = BackendErrors.classify(failure);
    metrics.backendError(mapped.code());
    if (Responses.mustResend(mapped.reason())) {
      return degraded.redirect(minted, responses);
    }
    String reason = ErrorReasons.shortName(mapped.reason());
    if (!minted.getKcid().isEmpty() && reason.startsWith("KCID_")) {
      // The server refused our kcid, not the click: a deployment mismatch (keys, partitions) or a
      // collision. Let the server mint this one; stop minting unless it was a collision.
      if (mapped.reason() != ErrorReason.ERROR_REASON_KCID_ALREADY_USED) {
        degraded.mintRejected(reason);
      }
      return coalescer.send(click).handle((issued, again) -> again == null ? redirect(issued) : backendFailed(again));
    }
    return CompletableFuture.completedFuture(responses.rejected(mapped.reason(), mapped.message(), mapped.conversionId()));
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
