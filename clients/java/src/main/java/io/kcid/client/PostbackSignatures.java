package io.kcid.client;

import io.kcid.core.postback.PostbackSigner;
import java.time.Clock;
import java.util.Map;

/**
 * Postback signing for advertisers' servers: the {@value #HEADER} header the http-edge's
 * {@code /postback} verifies when the account accepts {@code POSTBACK_AUTH_METHOD_SIGNATURE}.
 *
 * <p>{@code X-Kcid-Signature: t=<unix seconds>,v1=<signature>} with {@code signature =
 * base64url_nopad(HMAC-SHA256(UTF-8 bytes of the postback signing secret, "<t>." + payload))}; the
 * payload is the raw body of a POST, or for a GET the canonical query of all its query parameters
 * ({@link #queryPayload}). Delegates to {@link PostbackSigner} of kcid-core, the implementation
 * the server verifies with, so client and server cannot drift apart.
 */
public final class PostbackSignatures {
  /** The header name: {@code X-Kcid-Signature}. */
  public static final String HEADER = PostbackSigner.HEADER;

  private PostbackSignatures() {}

  /**
   * The payload a GET postback's signature covers: the canonical query of all its query
   * parameters (the click-URL canonical form: {@code sig} and empty values dropped, sorted by
   * name, RFC 3986-encoded), as UTF-8 bytes.
   */
  public static byte[] queryPayload(Map<String, String> queryParameters) {
    return PostbackSigner.queryPayload(queryParameters);
  }

  /** base64url without padding of HMAC-SHA256(signing secret, {@code timestamp + "." + payload}). */
  public static String sign(String signingSecret, long timestamp, byte[] payload) {
    return PostbackSigner.sign(signingSecret, timestamp, payload);
  }

  /** The {@value #HEADER} value {@code t=<timestamp>,v1=<signature>}. */
  public static String header(String signingSecret, long timestamp, byte[] payload) {
    return PostbackSigner.header(signingSecret, timestamp, payload);
  }

  /**
   * The {@value #HEADER} value for now (the server accepts a timestamp within the account's
   * tolerance, 300 s by default).
   */
  public static String header(String signingSecret, byte[] payload) {
    return header(signingSecret, Clock.systemUTC().instant().getEpochSecond(), payload);
  }

  /** Whether {@code signature} signs {@code payload} at {@code timestamp} (constant-time compare). */
  public static boolean verify(String signingSecret, long timestamp, byte[] payload, String signature) {
    return PostbackSigner.verify(signingSecret, timestamp, payload, signature);
  }
}
