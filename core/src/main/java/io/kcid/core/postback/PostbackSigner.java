package io.kcid.core.postback;

import io.kcid.core.Hmac;
import io.kcid.core.click.ClickUrlSigner;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Optional;

/**
 * Postback signatures: {@code X-Kcid-Signature: t=<unix seconds>,v1=<signature>} where
 * {@code signature = base64url_nopad(HMAC-SHA256(signing secret, t + "." + payload))} and the
 * payload is the raw body of a POST, or for a GET the canonical query of all its parameters (the
 * same canonical form as click URLs, see KCID-FORMAT.md).
 *
 * <p>What the signature covers is all the request may carry: a signed POST has no query string
 * (not even {@code token}), a signature over an empty payload is refused, and a signature is
 * accepted once within its window (the edge and the tracking-server enforce this; see
 * docs/http-api.md, "X-Kcid-Signature"). Sign every postback, and every resend, when sending it.
 */
public final class PostbackSigner {
  public static final String HEADER = "X-Kcid-Signature";

  private PostbackSigner() {}

  /** The payload a GET postback's signature covers. */
  public static byte[] queryPayload(Map<String, String> queryParameters) {
    return ClickUrlSigner.canonicalQuery(queryParameters).getBytes(StandardCharsets.UTF_8);
  }

  public static String sign(String signingSecret, long timestamp, byte[] payload) {
    return Hmac.sha256Base64Url(signingSecret, signed(timestamp, payload));
  }

  /** The header value a sender puts in {@value #HEADER}. */
  public static String header(String signingSecret, long timestamp, byte[] payload) {
    return "t=" + timestamp + ",v1=" + sign(signingSecret, timestamp, payload);
  }

  /** Constant-time check of a signature; false (never an exception) for malformed input. */
  public static boolean verify(String signingSecret, long timestamp, byte[] payload, String signature) {
    if (signature == null || signature.isEmpty() || signingSecret == null || signingSecret.isEmpty()) {
      return false;
    }
    byte[] expected = sign(signingSecret, timestamp, payload).getBytes(StandardCharsets.US_ASCII);
    return MessageDigest.isEqual(expected, signature.getBytes(StandardCharsets.UTF_8));
  }

  /** A parsed header: {@code t} and {@code v1}; empty when either is missing or malformed. */
  public record Header(long timestamp, String signature) {}

  public static Optional<Header> parseHeader(String value) {
    if (value == null) {
      return Optional.empty();
    }
    Long t = null;
    String v1 = null;
    for (String part : value.split(",")) {
      String p = part.trim();
      int eq = p.indexOf('=');
      if (eq <= 0) {
        return Optional.empty();
      }
      String name = p.substring(0, eq).trim();
      String v = p.substring(eq + 1).trim();
      if (name.equals("t")) {
        if (t != null || !v.matches("[0-9]{1,12}")) {
          return Optional.empty();
        }
        t = Long.parseLong(v);
      } else if (name.equals("v1")) {
        if (v1 != null || v.isEmpty()) {
          return Optional.empty();
        }
        v1 = v;
      }
    }
    return t == null || v1 == null ? Optional.empty() : Optional.of(new Header(t, v1));
  }

  private static byte[] signed(long timestamp, byte[] payload) {
    byte[] head = (timestamp + ".").getBytes(StandardCharsets.US_ASCII);
    byte[] out = new byte[head.length + payload.length];
    System.arraycopy(head, 0, out, 0, head.length);
    System.arraycopy(payload, 0, out, head.length, payload.length);
    return out;
  }
}
