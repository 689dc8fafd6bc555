package io.kcid.edge.postback;

import io.kcid.edge.http.Rejection;
import io.kcid.proto.tracking.v1.ErrorReason;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;

/**
 * {@code X-Kcid-Signature: t=<unix seconds>,v1=<base64url signature>}: elements in any order,
 * spaces around them tolerated. The edge only checks the shape; the server verifies the signature
 * and the timestamp's tolerance. A malformed header is the sender's mistake and is answered 401
 * POSTBACK_SIGNATURE_INVALID without a backend call. Messages never quote the header's value.
 *
 * @param timestamp the {@code t} element
 * @param signature the {@code v1} element, as sent
 */
record SignatureHeader(long timestamp, String signature) {
  static final String NAME = "X-Kcid-Signature";

  /** The parsed header, or null when the request has none. */
  static SignatureHeader from(HttpHeaders headers) {
    List<String> values = headers.getAll(NAME);
    if (values.isEmpty()) {
      return null;
    }
    if (values.size() > 1) {
      throw invalid("is given more than once");
    }
    String t = null;
    String v1 = null;
    for (String element : values.get(0).split(",", -1)) {
      int equals = element.indexOf('=');
      if (equals < 0) {
        throw invalid("has an element without '='");
      }
      String key = element.substring(0, equals).trim();
      String value = element.substring(equals + 1).trim();
      switch (key) {
        case "t" -> {
          if (t != null) {
            throw invalid("gives t more than once");
          }
          t = value;
        }
        case "v1" -> {
          if (v1 != null) {
            throw invalid("gives v1 more than once");
          }
          v1 = value;
        }
        default -> {
          // Another scheme (a future v2): not ours to judge; the server verifies v1.
        }
      }
    }
    if (t == null || t.isEmpty()) {
      throw invalid("has no t=<unix seconds>");
    }
    if (v1 == null || v1.isEmpty()) {
      throw invalid("has no v1=<signature>");
    }
    if (t.length() > 18 || !t.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
      throw invalid("has a t that is not unix seconds");
    }
    return new SignatureHeader(Long.parseLong(t), v1);
  }

  private static Rejection invalid(String problem) {
    return new Rejection(
        ErrorReason.ERROR_REASON_POSTBACK_SIGNATURE_INVALID,
        NAME + " " + problem + "; expected 't=<unix seconds>,v1=<base64url HMAC-SHA256>'.");
  }

  @Override
  public String toString() {
    return "SignatureHeader[t=" + timestamp + ", v1=<" + signature.length() + " chars>]"; // never the signature
  }
}
