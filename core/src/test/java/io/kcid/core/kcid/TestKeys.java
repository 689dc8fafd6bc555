package io.kcid.core.kcid;

import java.util.Arrays;

/** Fixed keys for tests: never used outside them. */
final class TestKeys {
  private TestKeys() {}

  /** Secret bytes {@code fill, fill, ...} (32 bytes). */
  static KcidKey key(int keyId, int fill) {
    byte[] secret = new byte[32];
    Arrays.fill(secret, (byte) fill);
    return new KcidKey(keyId, secret);
  }

  /** The key of the documented test vector: secret bytes 0x00..0x1f. */
  static KcidKey vectorKey() {
    byte[] secret = new byte[32];
    for (int i = 0; i < secret.length; i++) {
      secret[i] = (byte) i;
    }
    return new KcidKey(1, secret);
  }
}
