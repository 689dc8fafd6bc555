package io.kcid.core.kcid;

/**
 * Lower-case Crockford base32 without its aliases: {@code i l o u} are rejected rather than read
 * as {@code 1 1 0 v}, so every single-character change to a kcid changes its bits and fails the
 * MAC. Upper-case ASCII letters decode like their lower-case forms; nothing else is folded (no
 * Unicode case mapping, so for example the Kelvin sign is not read as {@code k}).
 */
final class Base32 {
  static final String ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

  private static final char[] ENCODE = ALPHABET.toCharArray();
  private static final int INVALID = -1;
  /** Value of each ASCII character, or {@link #INVALID}. */
  private static final byte[] DECODE = new byte[128];

  static {
    java.util.Arrays.fill(DECODE, (byte) INVALID);
    for (int value = 0; value < ENCODE.length; value++) {
      char c = ENCODE[value];
      DECODE[c] = (byte) value;
      DECODE[Character.toUpperCase(c)] = (byte) value;
    }
  }

  private Base32() {}

  /** The value 0..31 of {@code c}, or -1 when {@code c} is not in the alphabet. */
  static int valueOf(char c) {
    return c < DECODE.length ? DECODE[c] : INVALID;
  }

  /** Index of the first character outside the alphabet, or -1 when every character is valid. */
  static int firstInvalid(CharSequence text) {
    for (int i = 0; i < text.length(); i++) {
      if (valueOf(text.charAt(i)) == INVALID) {
        return i;
      }
    }
    return -1;
  }

  /** Encodes a byte array whose length is a multiple of 5 (each 5 bytes give 8 characters). */
  static String encode(byte[] bytes) {
    checkGroups(bytes.length % 5 == 0, "byte length must be a multiple of 5");
    char[] out = new char[bytes.length / 5 * 8];
    for (int group = 0, o = 0; group < bytes.length; group += 5) {
      long bits = 0;
      for (int i = 0; i < 5; i++) {
        bits = (bits << 8) | (bytes[group + i] & 0xFF);
      }
      for (int shift = 35; shift >= 0; shift -= 5) {
        out[o++] = ENCODE[(int) (bits >>> shift) & 0x1F];
      }
    }
    return new String(out);
  }

  /**
   * Decodes text whose length is a multiple of 8 and whose characters all passed {@link
   * #firstInvalid}.
   */
  static byte[] decode(CharSequence text) {
    checkGroups(text.length() % 8 == 0, "text length must be a multiple of 8");
    byte[] out = new byte[text.length() / 8 * 5];
    for (int group = 0, o = 0; group < text.length(); group += 8) {
      long bits = 0;
      for (int i = 0; i < 8; i++) {
        int value = valueOf(text.charAt(group + i));
        checkGroups(value != INVALID, "character outside the alphabet");
        bits = (bits << 5) | value;
      }
      for (int shift = 32; shift >= 0; shift -= 8) {
        out[o++] = (byte) (bits >>> shift);
      }
    }
    return out;
  }

  private static void checkGroups(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException(message);
    }
  }
}
