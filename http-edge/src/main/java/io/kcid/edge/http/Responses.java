package io.kcid.edge.http;

import io.kcid.edge.grpc.BackendFailure;
import io.kcid.proto.ErrorReasons;
import io.kcid.proto.tracking.v1.ErrorReason;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Builds the edge's responses. Every error goes through {@link #rejected}, which takes the HTTP
 * status from the one table in {@code error_reason.proto} and adds {@code Retry-After} to every 503
 * and 429.
 */
public final class Responses {
  public static final String JSON = "application/json; charset=utf-8";
  private static final byte[] EMPTY = new byte[0];

  private final String retryAfterSeconds;

  public Responses(long retryAfterSeconds) {
    this.retryAfterSeconds = Long.toString(retryAfterSeconds);
  }

  /** {@code {"status":"rejected","reason":…,"message":…}} with the table's status for the reason. */
  public EdgeResponse rejected(ErrorReason reason, String message) {
    return rejected(reason, message, null);
  }

  /** As {@link #rejected(ErrorReason, String)}, plus {@code conversion_id} when it is not null. */
  public EdgeResponse rejected(ErrorReason reason, String message, String conversionId) {
    Map<String, String> body = new LinkedHashMap<>();
    body.put("status", "rejected");
    body.put("reason", ErrorReasons.shortName(reason));
    body.put("message", message);
    body.put("conversion_id", conversionId == null || conversionId.isEmpty() ? null : conversionId);
    int status = ErrorReasons.httpStatus(reason);
    EdgeResponse response = json(status, body);
    return status == 503 || status == 429 ? response.withHeader("Retry-After", retryAfterSeconds) : response;
  }

  /**
   * The answer to a postback whose backend call failed. Normally {@link #rejected}; for an account
   * in legacy mode ({@code legacyHttp200}) the same body with status 200, unless the sender must
   * resend ({@link #mustResend}): those keep their 503/429 and {@code Retry-After}.
   */
  public EdgeResponse postbackFailure(BackendFailure failure) {
    EdgeResponse response = rejected(failure.reason(), failure.message(), failure.conversionId());
    if (failure.legacyHttp200() && !mustResend(failure.reason())) {
      return new EdgeResponse(200, response.contentType(), response.body(), Map.of(), false);
    }
    return response;
  }

  /**
   * True when the request was not (or not knowably) processed and the sender must send it again:
   * the table's retryable reasons (unknown outcome: UNAVAILABLE, DEADLINE_EXCEEDED) plus any reason
   * answered 503 or 429 (RATE_LIMITED: refused before processing).
   */
  public static boolean mustResend(ErrorReason reason) {
    int status = ErrorReasons.httpStatus(reason);
    return ErrorReasons.isRetryable(reason) || status == 503 || status == 429;
  }

  /** A JSON object response. */
  public static EdgeResponse json(int status, Map<String, String> fields) {
    return new EdgeResponse(status, JSON, Json.object(fields), Map.of(), false);
  }

  /** A text response with the given content type. */
  public static EdgeResponse text(int status, String contentType, String body) {
    return new EdgeResponse(status, contentType, body.getBytes(StandardCharsets.UTF_8), Map.of(), false);
  }

  /**
   * {@code 302 Found} to a location that the caller has already checked is a safe header value.
   * {@code Referrer-Policy} keeps the click URL (and its signature) out of the landing page's logs.
   */
  public static EdgeResponse redirect(String safeLocation) {
    return new EdgeResponse(
        302, null, EMPTY, Map.of("Location", safeLocation, "Referrer-Policy", "no-referrer"), false);
  }
}
