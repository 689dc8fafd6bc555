package io.kcid.core.kcid;

import java.security.MessageDigest;
import java.util.Objects;

/**
 * One kcid MAC key. The secret is copied in and out so no caller can change a key in use, and
 * {@link #toString()} never prints it.
 *
 * @param keyId the id written into every kcid minted with this key, 0..255
 * @param secret the HMAC-SHA256 key, at least {@value #MIN_SECRET_BYTES} bytes
 */
public record KcidKey(int keyId, byte[] secret) {
  public static final int MIN_SECRET_BYTES = 16;

  public KcidKey {
    if (keyId < 0 || keyId > KcidLayout.MAX_KEY_ID) {
      throw new IllegalArgumentException("key id must be in 0..255 but was " + keyId);
    }
    Objects.requireNonNull(secret, "secret");
    if (secret.length < MIN_SECRET_BYTES) {
      throw new IllegalArgumentException(
          "the secret of key id " + keyId + " has " + secret.length
              + " bytes; at least " + MIN_SECRET_BYTES + " are required");
    }
    secret = secret.clone();
  }

  /** A copy of the secret. */
  @Override
  public byte[] secret() {
    return secret.clone();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof KcidKey that
        && keyId == that.keyId
        && MessageDigest.isEqual(secret, that.secret);
  }

  @Override
  public int hashCode() {
    // The id alone: hashing the secret would leak a function of it for no benefit.
    return Integer.hashCode(keyId);
  }

  @Override
  public String toString() {
    return "KcidKey[keyId=" + keyId + ", secret=<" + secret.length + " bytes, redacted>]";
  }
}
