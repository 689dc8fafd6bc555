package io.kcid.edge.limit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Limits guessing the web view's admin key. Only failed attempts are counted (a right key never
 * spends budget, so the admin is not locked out by their own use), but once an address, or a key
 * prefix, has no budget left every attempt from it is refused with 429 before the key is even
 * compared, the right key included, so an attacker cannot keep guessing past the limit and learn
 * which guess was right. Per client address: {@code n} failures per minute, bursts of {@code n}. Per
 * key prefix (the first {@value #PREFIX_CHARS} characters, held only as a digest): {@code 3n}, which
 * slows a guesser spread over many addresses who knows how the key starts; generated keys share
 * {@code kak_}, so the prefix reaches 4 characters into the random part.
 *
 * <p>Logs name the address and a fingerprint of the wrong key (8 hex digits of its SHA-256), never
 * the key or part of it. Memory is bounded by {@link TokenBuckets} ({@value #MAX_KEYS} buckets per
 * kind); under an attack from more addresses than that, new addresses share one bucket, so sign-in
 * fails closed (429) until the attack stops.
 */
public final class LoginRateLimits {
  private static final Logger log = LoggerFactory.getLogger(LoginRateLimits.class);

  static final int MAX_KEYS = 10_000;
  static final int PREFIX_CHARS = 8;
  private static final int PREFIX_FACTOR = 3;

  private final TokenBuckets perAddress;
  private final TokenBuckets perPrefix;
  private final int failuresPerMinute;

  /** @param failuresPerMinute failed attempts per minute per address; 0 = unlimited */
  public LoginRateLimits(int failuresPerMinute, LongSupplier nanoClock) {
    this.failuresPerMinute = failuresPerMinute;
    this.perAddress = failuresPerMinute > 0
        ? new TokenBuckets(failuresPerMinute / 60.0, failuresPerMinute, MAX_KEYS, nanoClock) : null;
    this.perPrefix = failuresPerMinute > 0
        ? new TokenBuckets(PREFIX_FACTOR * failuresPerMinute / 60.0, PREFIX_FACTOR * failuresPerMinute, MAX_KEYS, nanoClock) : null;
  }

  /** No limit. */
  public static LoginRateLimits off() {
    return new LoginRateLimits(0, System::nanoTime);
  }

  /**
   * Whether an attempt may be checked at all.
   *
   * @param presentedKey the key the attempt presents, or null (a one-time link)
   * @return 0 when it may, else the seconds after which it may retry
   */
  public long refusedFor(String clientIp, String presentedKey) {
    if (perAddress == null) {
      return 0;
    }
    long wait = emptyFor(perAddress, addressKey(clientIp), failuresPerMinute);
    String prefix = prefixKey(presentedKey);
    if (prefix != null) {
      wait = Math.max(wait, emptyFor(perPrefix, prefix, PREFIX_FACTOR * failuresPerMinute));
    }
    return wait;
  }

  /** Counts a failed attempt: a wrong key, or a one-time link that was used or expired. */
  public void failed(String clientIp, String presentedKey) {
    if (perAddress == null) {
      return;
    }
    String fingerprint = presentedKey == null ? "none (a sign-in link)" : fingerprint(presentedKey);
    log.warn("admin sign-in failed from {} (key fingerprint {})", clientIp, fingerprint);
    TokenBuckets.Decision byAddress = perAddress.tryTake(addressKey(clientIp), 1);
    if (byAddress.remaining() == 0) {
      log.warn("admin sign-in: {} failed attempts per minute from {} reached (last key fingerprint {}); "
          + "attempts from it are answered 429 for the next {} s", failuresPerMinute, clientIp, fingerprint, byAddress.resetSeconds());
    }
    String prefix = prefixKey(presentedKey);
    if (prefix != null) {
      TokenBuckets.Decision byPrefix = perPrefix.tryTake(prefix, 1);
      if (byPrefix.remaining() == 0) {
        log.warn("admin sign-in: {} failed attempts per minute with keys starting alike reached (last from {}, key fingerprint {}); "
            + "attempts with such keys are answered 429 for the next {} s", PREFIX_FACTOR * failuresPerMinute, clientIp, fingerprint,
            byPrefix.resetSeconds());
      }
    }
  }

  /** 0 when the bucket holds a token, else about when it will. Peeks: a cost of 0 takes nothing. */
  private static long emptyFor(TokenBuckets buckets, String key, int perMinute) {
    TokenBuckets.Decision peek = buckets.tryTake(key, 0);
    return peek.remaining() >= 1 ? 0 : Math.max(1, (long) Math.ceil(60.0 / perMinute));
  }

  private static String addressKey(String clientIp) {
    return PostbackRateLimits.addressKey(clientIp);
  }

  /** The bucket of a key's prefix: a digest, so no part of a key stays in memory as a map key. */
  private static String prefixKey(String presentedKey) {
    if (presentedKey == null || presentedKey.isEmpty()) {
      return null;
    }
    String prefix = presentedKey.length() <= PREFIX_CHARS ? presentedKey : presentedKey.substring(0, PREFIX_CHARS);
    return HexFormat.of().formatHex(sha256(prefix), 0, 16);
  }

  /** 8 hex digits of the key's SHA-256: tells attempts apart in logs, reveals nothing usable of a key. */
  static String fingerprint(String presentedKey) {
    return HexFormat.of().formatHex(sha256(presentedKey), 0, 4);
  }

  private static byte[] sha256(String value) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
