package io.kcid.core.kcid;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The truncated HMAC-SHA256 of a kcid body, one initialised {@link Mac} per key and thread:
 * {@code Mac} is not thread-safe, and initialising it per call would cost as much as the MAC.
 */
final class KcidMacs {
  private static final String ALGORITHM = "HmacSHA256";

  @SuppressWarnings("unchecked")
  private final ThreadLocal<Mac>[] byKeyId = new ThreadLocal[KcidLayout.MAX_KEY_ID + 1];

  KcidMacs(KcidKeyRing ring) {
    for (KcidKey key : ring.keys()) {
      byKeyId[key.keyId()] = ThreadLocal.withInitial(() -> newMac(key));
    }
  }

  /** Writes the MAC of bytes 0..14 into bytes 15..19 with the ring's key {@code keyId}. */
  void seal(byte[] kcid, int keyId) {
    byte[] tag = tag(macFor(keyId), kcid);
    System.arraycopy(tag, 0, kcid, KcidLayout.BODY_BYTES, KcidLayout.MAC_BYTES);
  }

  /** True when bytes 15..19 are the MAC of bytes 0..14; compared in constant time. */
  boolean verify(byte[] kcid, int keyId) {
    byte[] expected = tag(macFor(keyId), kcid);
    byte[] actual = Arrays.copyOfRange(kcid, KcidLayout.BODY_BYTES, KcidLayout.BYTES);
    return MessageDigest.isEqual(expected, actual);
  }

  /** For one-off use (tests, vectors): the same MAC with a fresh {@code Mac}. */
  static void seal(byte[] kcid, KcidKey key) {
    byte[] tag = tag(newMac(key), kcid);
    System.arraycopy(tag, 0, kcid, KcidLayout.BODY_BYTES, KcidLayout.MAC_BYTES);
  }

  private Mac macFor(int keyId) {
    ThreadLocal<Mac> mac = byKeyId[keyId];
    if (mac == null) {
      throw new IllegalArgumentException("key id " + keyId + " is not in the ring");
    }
    return mac.get();
  }

  private static byte[] tag(Mac mac, byte[] kcid) {
    mac.update(kcid, 0, KcidLayout.BODY_BYTES);
    return Arrays.copyOf(mac.doFinal(), KcidLayout.MAC_BYTES);
  }

  private static Mac newMac(KcidKey key) {
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(new SecretKeySpec(key.secret(), ALGORITHM));
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is required of every Java runtime", e);
    }
  }
}
