package io.kcid.server.delivery;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Webhook signatures by the Standard Webhooks specification (standardwebhooks.com): the
 * {@code webhook-signature} header is {@code v1,<base64 HMAC-SHA256 of "id.timestamp.body">},
 * space-separated when several secrets sign (a rotation's grace period). Secrets are
 * {@code whsec_} + base64 of the key bytes.
 */
public final class WebhookSignature {
  static final String SECRET_PREFIX = "whsec_";
  private static final SecureRandom RANDOM = new SecureRandom();

  private WebhookSignature() {}

  /** A new secret: {@code whsec_} + base64 of 32 random bytes. */
  public static String newSecret() {
    byte[] key = new byte[32];
    RANDOM.nextBytes(key);
    return SECRET_PREFIX + Base64.getEncoder().encodeToString(key);
  }

  /** The {@code webhook-signature} header value, one {@code v1,…} entry per secret. */
  public static String header(List<String> secrets, String id, long timestampSeconds, byte[] body) {
    return secrets.stream()
        .map(secret -> "v1," + sign(secret, id, timestampSeconds, body))
        .collect(Collectors.joining(" "));
  }

  /** Base64 of HMAC-SHA256 over {@code id.timestamp.body} with the secret's key. */
  public static String sign(String secret, String id, long timestampSeconds, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key(secret), "HmacSHA256"));
      mac.update((id + "." + timestampSeconds + ".").getBytes(StandardCharsets.UTF_8));
      return Base64.getEncoder().encodeToString(mac.doFinal(body));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  private static byte[] key(String secret) {
    String encoded = secret.startsWith(SECRET_PREFIX) ? secret.substring(SECRET_PREFIX.length()) : secret;
    return Base64.getDecoder().decode(encoded);
  }
}
