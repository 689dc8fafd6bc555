package io.kcid.server.delivery.http;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * The few hundred characters of a receiver's answer kept in the delivery log, with anything that
 * looks like a secret redacted first (a receiver may echo a token, a signing secret or a header
 * back): whsec_ secrets, Authorization/Bearer values, key=value pairs whose key names a secret,
 * and any long unbroken token. Redacted before truncating, so a cut never leaves a token's head.
 */
final class ResponseExcerpt {
  static final int MAX_CHARS = 256;
  static final String REDACTED = "[redacted]";
  // Redacting 64 KiB is wasteful when 256 characters are kept: a bounded prefix is enough.
  private static final int SCAN_CHARS = 4096;

  private static final Pattern WEBHOOK_SECRET = Pattern.compile("whsec_[A-Za-z0-9+/=_-]*");
  private static final Pattern BEARER = Pattern.compile("(?i)\\b(bearer|basic)\\s+[A-Za-z0-9._~+/=-]+");
  private static final Pattern SECRET_PAIR =
      Pattern.compile(
          "(?i)([\"']?[A-Za-z0-9_-]*(?:authorization|api[_-]?key|token|secret|password|passwd|signature|session|cookie|credential)[A-Za-z0-9_-]*[\"']?\\s*[:=]\\s*[\"']?)([^\\s\"'&,;}]+)");
  private static final Pattern LONG_TOKEN = Pattern.compile("[A-Za-z0-9+/=_.~-]{32,}");
  private static final Pattern CONTROL = Pattern.compile("[\\p{Cntrl}&&[^\\n\\t]]");

  private ResponseExcerpt() {}

  /** The redacted excerpt of a response body (decoded as UTF-8, invalid bytes replaced). */
  static String of(byte[] body) {
    if (body.length == 0) {
      return "";
    }
    String text = new String(body, 0, Math.min(body.length, SCAN_CHARS * 4), StandardCharsets.UTF_8);
    if (text.length() > SCAN_CHARS) {
      text = text.substring(0, SCAN_CHARS);
    }
    return redact(text);
  }

  /** Redacts secret-like values from {@code text}, then cuts it to {@link #MAX_CHARS}. */
  static String redact(String text) {
    if (text.isEmpty()) {
      return text; // every 2xx attempt's error, and most answers' bodies: no five scans of nothing
    }
    String out = WEBHOOK_SECRET.matcher(text).replaceAll("whsec_" + REDACTED);
    out = BEARER.matcher(out).replaceAll("$1 " + REDACTED);
    out = SECRET_PAIR.matcher(out).replaceAll("$1" + REDACTED);
    out = LONG_TOKEN.matcher(out).replaceAll(REDACTED);
    out = CONTROL.matcher(out).replaceAll(" ");
    if (out.length() > MAX_CHARS) {
      out = out.substring(0, MAX_CHARS);
      // Never end on half a surrogate pair.
      if (Character.isHighSurrogate(out.charAt(out.length() - 1))) {
        out = out.substring(0, out.length() - 1);
      }
    }
    return out;
  }
}
