package io.kcid.core;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** HMAC-SHA256 keyed with a secret's UTF-8 bytes, as every kcid signature uses it. */
public final class Hmac {
  private static final String ALGORITHM = "HmacSHA256";

  private Hmac() {}

  public static byte[] sha256(String secret, byte[] message) {
    Objects.requireNonNull(message, "message");
    if (secret == null || secret.isEmpty()) {
      throw new IllegalArgumentException("the secret must not be empty");
    }
    try {
      // A fresh Mac per call: Mac is not thread-safe, and this is not on a per-byte hot path.
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), ALGORITHM));
      return mac.doFinal(message);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is required of every Java runtime", e);
    }
  }

  /** base64url without padding of {@link #sha256}. */
  public static String sha256Base64Url(String secret, byte[] message) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(sha256(secret, message));
  }
}
