package io.kcid.edge.click;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Defence in depth for the {@code Location} header: the server already refuses unsafe destinations,
 * but a value that could split a header or redirect off http(s) must never leave the edge even if
 * the server has a bug.
 */
public final class RedirectGuard {
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private RedirectGuard() {}

  /**
   * The URL as a header value, or empty when it is unsafe: not starting with {@code http://} or
   * {@code https://} (any case), or holding a control character, a space or a backslash.
   * Non-ASCII characters are percent-encoded as UTF-8, as a browser would, because header values
   * are ASCII on the wire.
   */
  public static Optional<String> safeLocation(String url) {
    if (url == null || !(startsWithIgnoreCase(url, "http://") || startsWithIgnoreCase(url, "https://"))) {
      return Optional.empty();
    }
    StringBuilder out = null;
    for (int i = 0; i < url.length(); i++) {
      char ch = url.charAt(i);
      if (ch <= 0x20 || ch == 0x7f || ch == '\\' || (ch >= 0x80 && ch <= 0x9f)) {
        return Optional.empty();
      }
      if (ch >= 0x80) {
        if (out == null) {
          out = new StringBuilder(url.length() + 16).append(url, 0, i);
        }
        int end =
            Character.isHighSurrogate(ch) && i + 1 < url.length() && Character.isLowSurrogate(url.charAt(i + 1))
                ? i + 2
                : i + 1;
        if (end == i + 1 && Character.isSurrogate(ch)) {
          return Optional.empty(); // an unpaired surrogate has no UTF-8 form
        }
        for (byte b : url.substring(i, end).getBytes(StandardCharsets.UTF_8)) {
          out.append('%').append(HEX[(b >> 4) & 0xf]).append(HEX[b & 0xf]);
        }
        i = end - 1;
      } else if (out != null) {
        out.append(ch);
      }
    }
    return Optional.of(out == null ? url : out.toString());
  }

  private static boolean startsWithIgnoreCase(String value, String prefix) {
    return value.regionMatches(true, 0, prefix, 0, prefix.length());
  }
}
