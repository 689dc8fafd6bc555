package io.kcid.edge.postback;

import io.kcid.core.click.ClickUrlSigner;
import io.kcid.edge.http.EdgeResponse;
import io.kcid.edge.http.Json;
import io.kcid.edge.http.Rejection;
import io.kcid.proto.ErrorReasons;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.netty.buffer.ByteBuf;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a signed postback may carry: only what its signature covers. A POST's signature covers its
 * raw body and nothing else, so a signed POST (or batch) carrying any query parameter is refused
 * 401 POSTBACK_PARAMETER_UNSIGNED — even {@code ?token=}, which is another credential but still a
 * parameter the signature does not cover (send it inside the body, or as {@code Authorization:
 * Bearer}). A GET's signature covers the canonical query of all its parameters, every alias and
 * repeated name included (repeats must agree, see {@link PostbackParameters}); only {@code sig} and
 * empty values are left out of the canonical form: empty values count as absent everywhere, and a
 * {@code sig} parameter on a signed GET is refused as unsigned. A signature over an empty payload
 * (a POST without a body, a GET without a query) signs nothing and is refused 401
 * POSTBACK_SIGNED_PAYLOAD_EMPTY. Both refusals come before any backend call.
 *
 * <p>Headers stay outside the signature: {@code Authorization: Bearer} is a credential of its own
 * (checked by the server), {@code X-Forwarded-For} counts only from trusted proxies, and
 * {@code Idempotency-Key} only deduplicates (the server's replay cache keys on the signature and
 * the signed content, and lets an identical resend through only with the same request id; see
 * SignatureReplays in the tracking-server).
 */
final class SignedPayloads {
  private SignedPayloads() {}

  /**
   * Refuses a signed request whose signature covers nothing or not every parameter.
   *
   * @param signature the request's signature header, or null (then nothing is checked)
   * @param post the signature covers the body (POST) rather than the query (GET)
   */
  static void requireCovered(SignatureHeader signature, boolean post, Map<String, List<String>> query, ByteBuf body) {
    if (signature == null) {
      return;
    }
    if (post) {
      if (!body.isReadable()) {
        throw new Rejection(
            ErrorReason.ERROR_REASON_POSTBACK_SIGNED_PAYLOAD_EMPTY,
            "The X-Kcid-Signature covers an empty body, which signs nothing: send the postback's parameters in the"
                + " signed body.");
      }
      if (!query.isEmpty()) {
        throw unsigned(query.keySet().iterator().next(), "move it into the signed body");
      }
      return;
    }
    if (!hasSignedValue(query)) {
      throw new Rejection(
          ErrorReason.ERROR_REASON_POSTBACK_SIGNED_PAYLOAD_EMPTY,
          "The X-Kcid-Signature covers an empty query, which signs nothing: sign the postback's parameters.");
    }
    if (query.containsKey(ClickUrlSigner.SIGNATURE_PARAMETER)) {
      throw unsigned(ClickUrlSigner.SIGNATURE_PARAMETER, "drop it: the signature goes in the X-Kcid-Signature header");
    }
  }

  private static boolean hasSignedValue(Map<String, List<String>> query) {
    for (List<String> values : query.values()) {
      for (String value : values) {
        if (!value.isEmpty()) {
          return true;
        }
      }
    }
    return false;
  }

  /** 401 POSTBACK_PARAMETER_UNSIGNED naming the parameter, also as {@code field} in the answer. */
  private static Rejection unsigned(String name, String remedy) {
    String field = PostbackParameters.clip(name);
    String message =
        "Parameter '" + field + "' is not covered by the X-Kcid-Signature (a signed postback's signature must cover"
            + " every parameter): " + remedy + ".";
    return new Rejection(
        ErrorReason.ERROR_REASON_POSTBACK_PARAMETER_UNSIGNED,
        message,
        response -> withField(response, ErrorReason.ERROR_REASON_POSTBACK_PARAMETER_UNSIGNED, message, field),
        0);
  }

  private static EdgeResponse withField(EdgeResponse response, ErrorReason reason, String message, String field) {
    Map<String, String> body = new LinkedHashMap<>();
    body.put("status", "rejected");
    body.put("reason", ErrorReasons.shortName(reason));
    body.put("message", message);
    body.put("field", field);
    return new EdgeResponse(response.status(), response.contentType(), Json.object(body), response.headers(), response.close());
  }
}
