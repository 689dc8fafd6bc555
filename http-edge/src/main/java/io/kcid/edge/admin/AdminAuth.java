package io.kcid.edge.admin;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Who may see the web view: a caller presenting the admin key ({@code Authorization: Bearer}), or
 * one holding a session cookie signed with it. Sessions are {@code <expiry ms>.<HMAC-SHA256>}: the
 * key itself never goes into a cookie or a URL. Browsers that cannot send headers (headless
 * Chromium) get a one-time login link: a random nonce, valid {@link #NONCE_TTL}, single use, handed
 * out only to a caller that already presented the key.
 */
final class AdminAuth {
  static final String COOKIE = "kcid_admin";
  static final Duration SESSION_TTL = Duration.ofHours(8);
  static final Duration NONCE_TTL = Duration.ofSeconds(60);
  /** Bounds the memory a key holder can make the edge spend on unredeemed links. */
  private static final int MAX_NONCES = 1000;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final byte[] keyDigest;
  private final SecretKeySpec macKey;
  private final Clock clock;
  private final Map<String, Long> nonces = new ConcurrentHashMap<>();

  AdminAuth(String adminKey, Clock clock) {
    this.keyDigest = sha256(adminKey);
    this.macKey = new SecretKeySpec(("kcid-admin-session:" + adminKey).getBytes(StandardCharsets.UTF_8), "HmacSHA256");
    this.clock = clock;
  }

  /** Constant time: compares digests, so neither content nor length leaks through timing. */
  boolean isKey(String presented) {
    return presented != null && MessageDigest.isEqual(keyDigest, sha256(presented));
  }

  /** The value of {@code Authorization} or {@code Cookie} authenticates the admin. */
  boolean authorized(String authorization, String cookieValue) {
    if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return isKey(authorization.substring(7).trim());
    }
    return validSession(cookieValue);
  }

  /** The key of an {@code Authorization: Bearer <key>} value, or null for no header or another scheme. */
  static String bearer(String authorization) {
    if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return authorization.substring(7).trim();
    }
    return null;
  }

  /** A new session value, valid {@link #SESSION_TTL}. */
  String newSession() {
    String expiry = Long.toString(clock.millis() + SESSION_TTL.toMillis());
    return expiry + "." + mac(expiry);
  }

  boolean validSession(String value) {
    if (value == null) {
      return false;
    }
    int dot = value.indexOf('.');
    if (dot <= 0) {
      return false;
    }
    String expiry = value.substring(0, dot);
    boolean signed = MessageDigest.isEqual(
        mac(expiry).getBytes(StandardCharsets.US_ASCII), value.substring(dot + 1).getBytes(StandardCharsets.US_ASCII));
    try {
      return signed && Long.parseLong(expiry) > clock.millis();
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /** A one-time login nonce, or null when too many are outstanding. */
  String newNonce() {
    long now = clock.millis();
    for (Iterator<Long> expiries = nonces.values().iterator(); expiries.hasNext(); ) {
      if (expiries.next() <= now) {
        expiries.remove();
      }
    }
    if (nonces.size() >= MAX_NONCES) {
      return null;
    }
    byte[] random = new byte[24];
    RANDOM.nextBytes(random);
    String nonce = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    nonces.put(nonce, now + NONCE_TTL.toMillis());
    return nonce;
  }

  /** True once per nonce, within its lifetime. */
  boolean redeem(String nonce) {
    Long expiry = nonce == null ? null : nonces.remove(nonce);
    return expiry != null && expiry > clock.millis();
  }

  private String mac(String data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(macKey);
      return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(data.getBytes(StandardCharsets.US_ASCII)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available", e);
    }
  }

  private static byte[] sha256(String value) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }
}
