package io.kcid.edge.postback;

import io.kcid.edge.grpc.BackendErrors;
import io.kcid.edge.grpc.BackendFailure;
import io.kcid.edge.grpc.UnaryCalls;
import io.kcid.edge.http.EdgeResponse;
import io.kcid.edge.http.QueryParams;
import io.kcid.edge.http.Rejection;
import io.kcid.edge.http.Responses;
import io.kcid.edge.http.RouteHandler;
import io.kcid.edge.metrics.EdgeMetrics;
import io.kcid.proto.ErrorReasons;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.proto.tracking.v1.RecordConversionResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code GET|POST /postback}: records a conversion through the backend. */
public final class PostbackHandler implements RouteHandler {
  private static final Logger log = LoggerFactory.getLogger(PostbackHandler.class);

  private final ConversionServiceGrpc.ConversionServiceStub stub;
  private final Duration deadline;
  private final Responses responses;
  private final EdgeMetrics metrics;

  public PostbackHandler(
      ConversionServiceGrpc.ConversionServiceStub stub, Duration deadline, Responses responses, EdgeMetrics metrics) {
    this.stub = stub;
    this.deadline = deadline;
    this.responses = responses;
    this.metrics = metrics;
  }

  @Override
  public CompletableFuture<EdgeResponse> handle(FullHttpRequest request) {
    PostbackRequestParser.Parsed parsed;
    try {
      parsed = PostbackRequestParser.parse(collect(request), request.headers());
    } catch (Rejection rejection) {
      metrics.postback("rejected", ErrorReasons.shortName(rejection.reason()));
      throw rejection;
    }
    metrics.unknownPostbackParameters(parsed.unknownParameters());
    CompletableFuture<RecordConversionResponse> call = new CompletableFuture<>();
    stub.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS)
        .recordConversion(parsed.request(), UnaryCalls.completing(call));
    RecordConversionRequest sent = parsed.request();
    return call.handle((recorded, failure) -> failure == null ? answered(sent, recorded) : backendFailed(failure));
  }

  private static PostbackParameters collect(FullHttpRequest request) {
    PostbackParameters parameters = new PostbackParameters();
    for (Map.Entry<String, List<String>> parameter : QueryParams.parameters(QueryParams.uri(request.uri())).entrySet()) {
      PostbackBody.addAll(parameters, parameter.getKey(), parameter.getValue());
    }
    if (HttpMethod.POST.equals(request.method())) {
      PostbackBody.parse(request, parameters);
    }
    return parameters;
  }

  private EdgeResponse answered(RecordConversionRequest sent, RecordConversionResponse recorded) {
    switch (recorded.getOutcome()) {
      case OUTCOME_ACCEPTED -> {
        metrics.postback("accepted", "none");
        Map<String, String> body = new LinkedHashMap<>();
        body.put("status", "accepted");
        body.put("conversion_id", recorded.getConversionId());
        return Responses.json(200, body);
      }
      case OUTCOME_DUPLICATE -> {
        ErrorReason reason =
            recorded.getDuplicateReason() == ErrorReason.ERROR_REASON_UNSPECIFIED
                    || recorded.getDuplicateReason() == ErrorReason.UNRECOGNIZED
                ? ErrorReason.ERROR_REASON_DUPLICATE_CONVERSION
                : recorded.getDuplicateReason();
        metrics.postback("duplicate", ErrorReasons.shortName(reason));
        Map<String, String> body = new LinkedHashMap<>();
        body.put("status", "duplicate");
        body.put("reason", ErrorReasons.shortName(reason));
        body.put("message", "Already recorded as " + recorded.getConversionId() + "; nothing new was written.");
        body.put("conversion_id", recorded.getConversionId());
        return Responses.json(200, body);
      }
      default -> {
        // Not an outcome this edge knows: never claim success for it.
        log.error("tracking-server answered RecordConversion with outcome {} (request_id set: {})",
            recorded.getOutcomeValue(), !sent.getRequestId().isEmpty());
        metrics.postback("rejected", ErrorReasons.shortName(ErrorReason.ERROR_REASON_INTERNAL));
        return responses.rejected(
            ErrorReason.ERROR_REASON_INTERNAL,
            "The tracking backend gave an answer this edge does not understand; it has been logged.");
      }
    }
  }

  private EdgeResponse backendFailed(Throwable failure) {
    BackendFailure mapped = BackendErrors.classify(failure);
    metrics.backendError(mapped.code());
    metrics.postback("rejected", ErrorReasons.shortName(mapped.reason()));
    return responses.rejected(mapped.reason(), mapped.message(), mapped.conversionId());
  }
}
