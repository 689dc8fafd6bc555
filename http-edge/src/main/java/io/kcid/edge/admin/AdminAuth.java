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

/**
 * The edge's own part of signing in to the web view: recognising its configured admin key (a
 * platform sign-in that needs no question to the server), and one-time login links. Any other key
 * is recognised by the tracking-server (GetCaller). Browsers that cannot send headers (headless
 * Chromium) get a one-time login link: a random nonce, valid {@link #NONCE_TTL}, single use, handed
 * out only to a caller that just signed in, and naming that caller's session.
 */
final class AdminAuth {
  static final String COOKIE = "kcid_admin";
  static final Duration NONCE_TTL = Duration.ofSeconds(60);
  /** Bounds the memory a key holder can make the edge spend on unredeemed links. */
  private static final int MAX_NONCES = 1000;
  private static final SecureRandom RANDOM = new SecureRandom();

  private record Nonce(String sessionId, long expiresAtMillis) {}

  private final byte[] keyDigest;
  private final Clock clock;
  private final Map<String, Nonce> nonces = new ConcurrentHashMap<>();

  AdminAuth(String adminKey, Clock clock) {
    this.keyDigest = sha256(adminKey);
    this.clock = clock;
  }

  /** Whether it is the configured admin key. Constant time: compares digests, so neither content nor length leaks through timing. */
  boolean isKey(String presented) {
    return presented != null && MessageDigest.isEqual(keyDigest, sha256(presented));
  }

  /** The key of an {@code Authorization: Bearer <key>} value, or null for no header or another scheme. */
  static String bearer(String authorization) {
    if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return authorization.substring(7).trim();
    }
    return null;
  }

  /** A one-time link into {@code sessionId}, or null when too many are outstanding. */
  String newNonce(String sessionId) {
    long now = clock.millis();
    for (Iterator<Nonce> outstanding = nonces.values().iterator(); outstanding.hasNext(); ) {
      if (outstanding.next().expiresAtMillis() <= now) {
        outstanding.remove();
      }
    }
    if (nonces.size() >= MAX_NONCES) {
      return null;
    }
    byte[] random = new byte[24];
    RANDOM.nextBytes(random);
    String nonce = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    nonces.put(nonce, new Nonce(sessionId, now + NONCE_TTL.toMillis()));
    return nonce;
  }

  /** The session a nonce links to, once per nonce within its lifetime; else null. */
  String redeem(String nonce) {
    Nonce found = nonce == null ? null : nonces.remove(nonce);
    return found != null && found.expiresAtMillis() > clock.millis() ? found.sessionId() : null;
  }

  private static byte[] sha256(String value) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }
}
