package io.kcid.edge.postback;

import io.kcid.edge.grpc.BackendErrors;
import io.kcid.edge.grpc.BackendFailure;
import io.kcid.edge.grpc.CallCoalescer;
import io.kcid.edge.http.EdgeResponse;
import io.kcid.edge.http.QueryParams;
import io.kcid.edge.http.Rejection;
import io.kcid.edge.http.Responses;
import io.kcid.edge.http.RouteHandler;
import io.kcid.edge.limit.PostbackRateLimits;
import io.kcid.edge.metrics.EdgeMetrics;
import io.kcid.edge.net.ClientIpResolver;
import io.kcid.edge.tracing.BatchCallSpans;
import io.kcid.proto.ErrorReasons;
import io.kcid.proto.tracking.v1.PostbackCredentials;
import io.kcid.proto.tracking.v1.PostbackResponseFormat;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.proto.tracking.v1.RecordConversionResponse;
import io.kcid.proto.tracking.v1.RecordConversionsResponse;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import java.net.SocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** {@code GET|POST /postback}: records a conversion through the backend. */
public final class PostbackHandler implements RouteHandler {
  private final Responses responses;
  private final EdgeMetrics metrics;
  private final ClientIpResolver clientIps;
  private final PostbackRateLimits limits;
  private final CallCoalescer<RecordConversionRequest, RecordConversionResponse, RecordConversionsResponse> coalescer;

  /**
   * @param maxInFlight the edge's bound on backend calls in progress (postbacks sent together count once each)
   * @param batchSpans how a call carrying several postbacks is traced
   */
  public PostbackHandler(PostbackBackend backend, int maxInFlight, BatchCallSpans batchSpans) {
    this.coalescer = new CallCoalescer<>(new PostbackCalls(backend.stub(), backend.deadline()), "RecordConversions", maxInFlight, batchSpans);
    this.responses = backend.responses();
    this.metrics = backend.metrics();
    this.clientIps = backend.clientIps();
    this.limits = backend.limits();
  }

  @Override
  public CompletableFuture<EdgeResponse> handle(FullHttpRequest request) {
    return handle(request, null);
  }

  @Override
  public CompletableFuture<EdgeResponse> handle(FullHttpRequest request, SocketAddress peer) {
    PostbackRequestParser.Parsed parsed;
    PostbackRateLimits.Applied applied = limits.start();
    try {
      String clientIp = PresentedCredentials.clientIp(request, peer, clientIps);
      // The address is charged before any parsing; the account once the parameters name it.
      limits.chargeAddress(applied, clientIp, 1);
      SignatureHeader signature = SignatureHeader.from(request.headers());
      boolean post = HttpMethod.POST.equals(request.method());
      Map<String, List<String>> query = QueryParams.parameters(QueryParams.uri(request.uri()));
      // A signature covers every parameter or the request is refused (query beside a signed body, empty payload).
      SignedPayloads.requireCovered(signature, post, query, request.content());
      PostbackParameters parameters = new PostbackParameters();
      for (Map.Entry<String, List<String>> parameter : query.entrySet()) {
        PostbackBody.addAll(parameters, parameter.getKey(), parameter.getValue());
      }
      if (post) {
        PostbackBody.parse(request, parameters);
      }
      PostbackCredentials credentials =
          PresentedCredentials.of(
              clientIp,
              signature,
              post ? ByteBufUtil.getBytes(request.content()) : null,
              post ? null : PresentedCredentials.singleValued(query));
      parsed = PostbackRequestParser.parse(parameters, PostbackRequestParser.Outer.of(request.headers()), credentials);
      PresentedCredentials.requireForwardable(parsed.request().getSerializedSize());
      limits.chargeAccount(applied, parsed.request().getAccountId(), parsed.request().getCredentials().getToken(), 1);
    } catch (Rejection rejection) {
      metrics.postback("rejected", ErrorReasons.shortName(rejection.reason()));
      return CompletableFuture.completedFuture(
          PostbackAnswers.labelled(rejection.toResponse(responses), "rejected", rejection.reason()));
    }
    metrics.unknownPostbackParameters(parsed.unknownParameters());
    CompletableFuture<RecordConversionResponse> call = coalescer.send(parsed.request());
    RecordConversionRequest sent = parsed.request();
    return call.handle((recorded, failure) -> failure == null ? answered(sent, recorded) : backendFailed(failure))
        .thenApply(applied::decorate);
  }

  private EdgeResponse answered(RecordConversionRequest sent, RecordConversionResponse recorded) {
    PostbackResult result = PostbackResult.of(sent, recorded);
    metrics.postback(result.outcome(), result.reasonLabel());
    Map<String, String> body = new LinkedHashMap<>();
    PostbackResponseFormat format = recorded.getPostbackResponseFormat();
    switch (result.kind()) {
      case ACCEPTED -> {
        body.put("status", "accepted");
        if (result.reason() != null) {
          body.put("reason", ErrorReasons.shortName(result.reason()));
          body.put("message", result.message());
        }
        body.put("conversion_id", result.conversionId());
        return PostbackAnswers.labelled(PostbackAnswers.success(format, body), "accepted", null);
      }
      case DUPLICATE -> {
        body.put("status", "duplicate");
        body.put("reason", ErrorReasons.shortName(result.reason()));
        body.put("message", result.message());
        body.put("conversion_id", result.conversionId());
        return PostbackAnswers.labelled(PostbackAnswers.success(format, body), "duplicate", result.reason());
      }
      default -> {
        return PostbackAnswers.labelled(
            responses.rejected(result.reason(), result.message(), result.conversionId()), "rejected", result.reason());
      }
    }
  }

  private EdgeResponse backendFailed(Throwable failure) {
    // Sent with others, an item's own error comes back as the same reason, message and metadata a single call carries.
    BackendFailure mapped = BackendErrors.classify(failure);
    metrics.backendError(mapped.code());
    metrics.postback("rejected", ErrorReasons.shortName(mapped.reason()));
    return PostbackAnswers.labelled(responses.postbackFailure(mapped), "rejected", mapped.reason());
  }
}
