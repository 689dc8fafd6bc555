package io.kcid.edge.postback;

import com.fasterxml.jackson.core.JsonGenerator;
import io.kcid.edge.grpc.BackendErrors;
import io.kcid.edge.grpc.BackendFailure;
import io.kcid.edge.grpc.UnaryCalls;
import io.kcid.edge.http.EdgeResponse;
import io.kcid.edge.http.Json;
import io.kcid.edge.http.QueryParams;
import io.kcid.edge.http.Rejection;
import io.kcid.edge.http.Responses;
import io.kcid.edge.http.RouteHandler;
import io.kcid.edge.limit.PostbackRateLimits;
import io.kcid.edge.metrics.EdgeMetrics;
import io.kcid.edge.net.ClientIpResolver;
import io.kcid.proto.ErrorReasons;
import io.kcid.proto.tracking.v1.ConversionServiceGrpc;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.kcid.proto.tracking.v1.PostbackCredentials;
import io.kcid.proto.tracking.v1.RecordConversionRequest;
import io.kcid.proto.tracking.v1.RecordConversionResult;
import io.kcid.proto.tracking.v1.RecordConversionsRequest;
import io.kcid.proto.tracking.v1.RecordConversionsResponse;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpUtil;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /postbacks}: up to 100 postbacks in one JSON body, recorded with one
 * {@code RecordConversions} call. Each item is parsed exactly like a {@code /postback}; items that
 * fail locally get their answer here, the rest go to the backend together. The answer is 200 with
 * one result per item, in request order, unless the batch as a whole was refused or its outcome is
 * unknown (503: resend all of it).
 */
public final class BatchPostbackHandler implements RouteHandler {
  private static final Logger log = LoggerFactory.getLogger(BatchPostbackHandler.class);

  private final ConversionServiceGrpc.ConversionServiceStub stub;
  private final Duration deadline;
  private final Responses responses;
  private final EdgeMetrics metrics;
  private final ClientIpResolver clientIps;
  private final PostbackRateLimits limits;

  public BatchPostbackHandler(PostbackBackend backend) {
    this.stub = backend.stub();
    this.deadline = backend.deadline();
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
    PostbackRateLimits.Applied applied = limits.start();
    String clientIp = PresentedCredentials.clientIp(request, peer, clientIps);
    // One postback's worth before parsing; the rest of the batch's items once they are counted.
    limits.chargeAddress(applied, clientIp, 1);
    SignatureHeader signature = SignatureHeader.from(request.headers());
    // A signed batch carries everything in its signed body: no query (not even ?token=), no empty body.
    SignedPayloads.requireCovered(signature, true, QueryParams.parameters(QueryParams.uri(request.uri())), request.content());
    String batchToken = batchToken(request);
    if (PostbackRequestParser.header(request.headers(), "Idempotency-Key") != null) {
      throw new Rejection(
          ErrorReason.ERROR_REASON_INVALID_PARAMETER,
          "Idempotency-Key names one postback; give each item of a batch its own request_id.");
    }
    byte[] body = ByteBufUtil.getBytes(request.content());
    if (body.length == 0) {
      throw new Rejection(ErrorReason.ERROR_REASON_MISSING_PARAMETER, "The batch body is empty: send a JSON array of postbacks.");
    }
    CharSequence mime = HttpUtil.getMimeType(request);
    if (mime == null || !HttpHeaderValues.APPLICATION_JSON.contentEqualsIgnoreCase(mime)) {
      throw new Rejection(ErrorReason.ERROR_REASON_UNSUPPORTED_MEDIA_TYPE, "A batch body must be application/json.");
    }
    List<BatchBodyParser.Item> items = BatchBodyParser.parse(body);
    if (items.size() > 1) {
      limits.chargeAddress(applied, clientIp, items.size() - 1);
    }
    PostbackCredentials credentials = PresentedCredentials.of(clientIp, signature, body, null);

    PostbackResult[] results = new PostbackResult[items.size()];
    List<Integer> sentIndexes = new ArrayList<>();
    RecordConversionsRequest.Builder batch = RecordConversionsRequest.newBuilder();
    PostbackRequestParser.Outer outer = PostbackRequestParser.Outer.batchItem(batchToken);
    for (int i = 0; i < items.size(); i++) {
      BatchBodyParser.Item item = items.get(i);
      if (item.problem() != null) {
        results[i] = PostbackResult.rejected(item.problem());
        continue;
      }
      try {
        PostbackRequestParser.Parsed parsed = PostbackRequestParser.parse(item.parameters(), outer, credentials);
        metrics.unknownPostbackParameters(parsed.unknownParameters());
        batch.addItems(parsed.request());
        sentIndexes.add(i);
      } catch (Rejection rejection) {
        results[i] = PostbackResult.rejected(rejection);
      }
    }
    for (RecordConversionRequest item : batch.getItemsList()) {
      limits.chargeAccount(applied, item.getAccountId(), item.getCredentials().getToken(), 1);
    }
    if (sentIndexes.isEmpty()) {
      return CompletableFuture.completedFuture(applied.decorate(answer(results)));
    }
    RecordConversionsRequest sent = batch.build();
    PresentedCredentials.requireForwardable(sent.getSerializedSize());
    CompletableFuture<RecordConversionsResponse> call = new CompletableFuture<>();
    stub.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS).recordConversions(sent, UnaryCalls.completing(call));
    return call.handle(
            (recorded, failure) -> failure == null ? answered(sent, sentIndexes, recorded, results) : backendFailed(failure))
        .thenApply(applied::decorate);
  }

  /** The {@code token} query parameter or Bearer (they must agree); nothing else belongs in the query. */
  private static String batchToken(FullHttpRequest request) {
    PostbackParameters query = new PostbackParameters();
    for (Map.Entry<String, List<String>> parameter : QueryParams.parameters(QueryParams.uri(request.uri())).entrySet()) {
      if (!parameter.getKey().equals("token")) {
        throw new Rejection(
            ErrorReason.ERROR_REASON_INVALID_PARAMETER,
            "The /postbacks query carries only 'token'; put '" + PostbackParameters.clip(parameter.getKey())
                + "' in each postback of the body.");
      }
      PostbackBody.addAll(query, parameter.getKey(), parameter.getValue());
    }
    String token = query.get("token");
    token = token == null || token.isEmpty() ? null : token;
    String bearer = PostbackRequestParser.bearer(request.headers());
    if (token != null && bearer != null && !token.equals(bearer)) {
      throw new Rejection(
          ErrorReason.ERROR_REASON_INVALID_PARAMETER, "'token' and 'Authorization: Bearer' are both given but differ; send one.");
    }
    return token != null ? token : bearer;
  }

  private EdgeResponse answered(
      RecordConversionsRequest sent, List<Integer> sentIndexes, RecordConversionsResponse recorded, PostbackResult[] results) {
    for (RecordConversionResult result : recorded.getResultsList()) {
      int position = result.getIndex();
      if (position < 0 || position >= sentIndexes.size() || results[sentIndexes.get(position)] != null) {
        log.error("tracking-server answered RecordConversions with an out-of-range or repeated index ({} of {} items)",
            position, sentIndexes.size());
        continue;
      }
      RecordConversionRequest item = sent.getItems(position);
      results[sentIndexes.get(position)] =
          switch (result.getResultCase()) {
            case RESPONSE -> PostbackResult.of(item, result.getResponse());
            case ERROR -> PostbackResult.failed(BackendErrors.classify(result.getError()));
            default -> {
              log.error("tracking-server answered a batch item without a response or an error");
              yield PostbackResult.internal("The tracking backend gave an answer this edge does not understand; it has been logged.");
            }
          };
    }
    for (int position = 0; position < sentIndexes.size(); position++) {
      if (results[sentIndexes.get(position)] == null) {
        log.error("tracking-server answered RecordConversions without a result for item {} of {}", position, sentIndexes.size());
        results[sentIndexes.get(position)] =
            PostbackResult.internal("The tracking backend did not answer for this postback; it has been logged.");
      }
    }
    return answer(results);
  }

  private EdgeResponse backendFailed(Throwable failure) {
    BackendFailure mapped = BackendErrors.classify(failure);
    metrics.backendError(mapped.code());
    return responses.postbackFailure(mapped);
  }

  /** {@code 200 {"results":[…]}}, one entry per item in request order. */
  private EdgeResponse answer(PostbackResult[] results) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(64 + 160 * results.length);
    try (JsonGenerator json = Json.FACTORY.createGenerator(out)) {
      json.writeStartObject();
      json.writeArrayFieldStart("results");
      for (int index = 0; index < results.length; index++) {
        PostbackResult result = results[index];
        metrics.postback(result.outcome(), result.reasonLabel());
        json.writeStartObject();
        json.writeNumberField("index", index);
        switch (result.kind()) {
          case ACCEPTED -> json.writeStringField("status", "accepted");
          case DUPLICATE -> json.writeStringField("status", "duplicate");
          case FAILED -> json.writeStringField("status", Responses.mustResend(result.reason()) ? "retry" : "rejected");
        }
        if (result.reason() != null) {
          json.writeStringField("reason", ErrorReasons.shortName(result.reason()));
          json.writeStringField("message", result.message());
        }
        if (result.conversionId() != null && !result.conversionId().isEmpty()) {
          json.writeStringField("conversion_id", result.conversionId());
        }
        if (result.kind() == PostbackResult.Kind.FAILED) {
          json.writeNumberField("http_status", ErrorReasons.httpStatus(result.reason()));
        }
        json.writeEndObject();
      }
      json.writeEndArray();
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write JSON to memory", e);
    }
    return new EdgeResponse(200, Responses.JSON, out.toByteArray(), Map.of(), false);
  }
}
