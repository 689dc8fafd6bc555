package io.kcid.server.common;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/** Generating, digesting and comparing secrets. Comparisons are constant-time. */
public final class Secrets {
  private static final SecureRandom RANDOM = new SecureRandom();
  /** MessageDigest is not thread-safe, and looking one up per call costs as much as the hash. */
  private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  });

  private Secrets() {}

  /** 256 random bits, base64url without padding, prefixed so leaked values are recognisable. */
  public static String newSecret(String prefix) {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  public static String sha256Hex(String value) {
    return HexFormat.of().formatHex(sha256(value.getBytes(StandardCharsets.UTF_8)));
  }

  /** SHA-256 of {@code bytes}. */
  public static byte[] sha256(byte[] bytes) {
    // digest() resets the instance, so the next caller on this thread starts clean.
    return SHA256.get().digest(bytes);
  }

  public static boolean constantTimeEquals(String a, String b) {
    return MessageDigest.isEqual(
        a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }

  /** The last four characters, to tell tokens apart without revealing them. */
  public static String hint(String secret) {
    return secret.length() <= 4 ? "" : "…" + secret.substring(secret.length() - 4);
  }
}
