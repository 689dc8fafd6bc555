package io.kcid.core.click;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * RFC 3986 percent-encoding of UTF-8 bytes: only the unreserved characters {@code A-Z a-z 0-9 - .
 * _ ~} stay as they are, everything else becomes {@code %XX} in upper-case hex. Unlike {@link
 * java.net.URLEncoder} (HTML forms), a space is {@code %20} and {@code ~} is kept, so every
 * language's signer produces the same bytes.
 */
final class PercentEncoding {
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private PercentEncoding() {}

  static String encode(String text) {
    if (isAscii(text)) {
      // The common case (ids, sub ids, most URLs): UTF-8 is the chars themselves, no encoder needed.
      StringBuilder out = new StringBuilder(text.length() + 8);
      for (int i = 0; i < text.length(); i++) {
        appendEncoded(out, text.charAt(i));
      }
      return out.toString();
    }
    byte[] utf8 = utf8(text);
    StringBuilder out = new StringBuilder(utf8.length + 8);
    for (byte b : utf8) {
      appendEncoded(out, b & 0xFF);
    }
    return out.toString();
  }

  private static void appendEncoded(StringBuilder out, int c) {
    if (isUnreserved(c)) {
      out.append((char) c);
    } else {
      out.append('%').append(HEX[c >>> 4]).append(HEX[c & 0xF]);
    }
  }

  private static boolean isAscii(String text) {
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) >= 0x80) {
        return false;
      }
    }
    return true;
  }

  static boolean isUnreserved(int c) {
    return (c >= 'A' && c <= 'Z')
        || (c >= 'a' && c <= 'z')
        || (c >= '0' && c <= '9')
        || c == '-' || c == '.' || c == '_' || c == '~';
  }

  /** Strict UTF-8: an unpaired surrogate is refused rather than silently signed as {@code ?}. */
  private static byte[] utf8(String text) {
    try {
      ByteBuffer buffer = StandardCharsets.UTF_8.newEncoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .encode(CharBuffer.wrap(text));
      byte[] bytes = new byte[buffer.remaining()];
      buffer.get(bytes);
      return bytes;
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("text is not valid Unicode (unpaired surrogate)", e);
    }
  }
}
