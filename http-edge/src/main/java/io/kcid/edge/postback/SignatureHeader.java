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
  /** base64url without padding of a 32-byte HMAC-SHA256. Anything else cannot verify: refused here, with no backend call. */
  static final int SIGNATURE_LENGTH = 43;

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
    if (v1.length() != SIGNATURE_LENGTH || !v1.chars().allMatch(SignatureHeader::isBase64Url)) {
      throw invalid("has a v1 that is not " + SIGNATURE_LENGTH + " base64url characters (HMAC-SHA256, no padding)");
    }
    if (t.length() > 18 || !t.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
      throw invalid("has a t that is not unix seconds");
    }
    return new SignatureHeader(Long.parseLong(t), v1);
  }

  private static boolean isBase64Url(int ch) {
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
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
